"""PostgreSQL, real threads: a capacity cut and bookings at the same moment never leave an
occurrence with more seats taken than its capacity, and the loser gets a clear refusal."""

import datetime

import pytest

from appointments.models import Occurrence
from appointments.services import appointment_book, timeslot_update
from appointments.states import BookingFrequency

from .factories import AppointmentTypeFactory, ContactFactory, timeslot
from .test_concurrency import _race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_capacity_cut_racing_bookings_never_overbooks(needs_postgres, admin_user):
    start = datetime.date.today() + datetime.timedelta(days=7)
    slot = timeslot(
        admin_user,
        appointment_type=AppointmentTypeFactory(capacity=4),
        weekdays=(start.weekday(),),
        start_date=start,
    )
    students = ContactFactory.create_batch(6)
    appointment_book(
        actor=admin_user, student=students[0], timeslot=slot,
        frequency=BookingFrequency.NON_RECURRING, start_date=start,
    )  # fmt: skip

    def work(i):
        if i == 0:
            return timeslot_update(actor=admin_user, timeslot=slot, capacity=2).summary
        return appointment_book(
            actor=admin_user, student=students[i], timeslot=slot,
            frequency=BookingFrequency.NON_RECURRING, start_date=start,
        ).pk  # fmt: skip

    done, refused = _race(6, work)
    assert not [m for m in refused if m.startswith("UNEXPECTED")], refused
    first = Occurrence.objects.get(timeslot=slot, date=start)
    assert first.taken == first.seats.filter(state="booked").count() <= first.capacity
    slot.refresh_from_db()
    if slot.capacity == 2:  # the cut went first: one more booking fitted, the rest refused
        assert first.taken == 2
        assert all(m.startswith("No openings left") for m in refused), refused
    else:  # bookings went first: the cut is refused, naming the date
        assert first.taken >= 3
        assert any("Capacity can not go below" in m for m in refused), refused


def test_a_delete_racing_bookings_leaves_no_booking_in_a_deleted_timeslot(
    needs_postgres, admin_user
):
    from appointments.models import AppointmentBooking, Timeslot
    from appointments.services import timeslot_delete

    start = datetime.date.today() + datetime.timedelta(days=7)
    slot = timeslot(
        admin_user,
        appointment_type=AppointmentTypeFactory(capacity=4),
        weekdays=(start.weekday(),),
        start_date=start,
    )
    students = ContactFactory.create_batch(4)

    def work(i):
        if i == 0:
            return timeslot_delete(actor=admin_user, timeslot=slot, reason="Race").archived
        return appointment_book(
            actor=admin_user, student=students[i], timeslot=slot,
            frequency=BookingFrequency.NON_RECURRING, start_date=start,
        ).pk  # fmt: skip

    done, refused = _race(4, work)
    assert not [m for m in refused if m.startswith("UNEXPECTED")], refused
    exists = Timeslot.objects.filter(pk=slot.pk).exists()
    booked = AppointmentBooking.objects.filter(timeslot_id=slot.pk).count()
    if exists:  # a booking went first: the delete was refused, or it archived nothing booked
        assert booked >= 1 or Timeslot.objects.get(pk=slot.pk).archived
    else:  # the delete went first: every booking was refused
        assert booked == 0 and len(refused) == 3
