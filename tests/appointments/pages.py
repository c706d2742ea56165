"""Shared by the appointments page tests: the frozen time and many timeslots made fast."""

import datetime
from zoneinfo import ZoneInfo

from appointments.models import Occurrence, Timeslot
from appointments.recurrence import local_span
from appointments.states import Frequency

from .factories import AppointmentTypeFactory, staff_member

LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)  # a Monday morning
D = datetime.date
MONDAY = D(2027, 1, 4)


def many_timeslots(n: int, *, day: datetime.date = MONDAY, staff=None) -> list[Timeslot]:
    """`n` weekly timeslots on `day`'s weekday, each with its occurrence on `day` only (bulk,
    not through the service: enough for a page's query count)."""
    kind = AppointmentTypeFactory()
    staff = staff or staff_member()
    slots = Timeslot.objects.bulk_create(
        [
            Timeslot(
                staff=staff,
                appointment_type=kind,
                frequency=Frequency.WEEKLY,
                weekdays=str(day.weekday()),
                start_date=day,
                start_time=datetime.time(10 + i % 12, (i * 5) % 60),
                end_time=datetime.time(10 + i % 12, (i * 5) % 60 + 4 if (i * 5) % 60 < 55 else 59),
                time_zone="Europe/London",
                capacity=2,
                generated_until=day,
            )
            for i in range(n)
        ]
    )
    occurrences = []
    for slot in slots:
        starts, ends = local_span(day, slot.start_time, slot.end_time, slot.time_zone)
        occurrences.append(
            Occurrence(timeslot=slot, date=day, starts_at=starts, ends_at=ends, capacity=2)
        )
    Occurrence.objects.bulk_create(occurrences)
    return slots
