"""Orders of sessions, consultants and their timeslots for the backdating tests."""

import datetime

from appointments.models import Pack
from appointments.states import PackKind
from tests.appointments.factories import (  # noqa: F401
    AppointmentTypeFactory,
    ContactFactory,
    staff_member,
    timeslot,
)

EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


def consultant_slot(actor, *, staff=None, service=None, start=datetime.date(2026, 8, 3), **kw):
    """A consultant's daily 10:00-11:00 timeslot from `start` (occurrences generated through
    the service up to 13 months after the frozen today)."""
    return timeslot(
        actor,
        staff=staff,
        appointment_type=service or AppointmentTypeFactory(duration_minutes=60),
        weekdays=EVERY_DAY,
        start_date=start,
        start_time=datetime.time(10, 0),
        end_time=datetime.time(11, 0),
        **kw,
    )


def order(*, service, client=None, size=5, attendees=(), valid_from=datetime.date(2026, 1, 1),
          valid_until=None) -> Pack:  # fmt: skip
    pack = Pack.objects.create(
        kind=PackKind.ORDER,
        contact=client or ContactFactory(),
        appointment_type=service,
        size=size,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    if attendees:
        pack.attendees.set(attendees)
    return pack


def occurrence_on(slot, day: datetime.date):
    return slot.occurrences.get(date=day)
