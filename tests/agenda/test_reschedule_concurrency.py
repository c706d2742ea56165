"""PostgreSQL, real threads: rescheduling respects capacity under concurrent moves and
bookings (the last place of an occurrence goes to one of them; nothing is overbooked and no
place is lost)."""

import datetime

import pytest
from django.db.models import Sum

from appointments.models import Occurrence, Seat
from appointments.services import appointment_book, appointment_reschedule
from appointments.states import BookingFrequency
from tests.appointments.factories import AppointmentTypeFactory, ContactFactory, timeslot
from tests.appointments.test_concurrency import _race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_moves_and_ten_bookings_race_for_two_places(needs_postgres, admin_user):
    start = datetime.date.today() + datetime.timedelta(days=7)
    kind = AppointmentTypeFactory(capacity=2)
    source = timeslot(admin_user, appointment_type=kind, weekdays=(start.weekday(),),
                      start_date=start, capacity=20, start_time=datetime.time(9, 0))  # fmt: skip
    target = timeslot(admin_user, appointment_type=kind, weekdays=(start.weekday(),),
                      start_date=start, capacity=2, start_time=datetime.time(15, 0))  # fmt: skip
    movers = [
        appointment_book(
            actor=admin_user,
            student=ContactFactory(),
            timeslot=source,
            frequency=BookingFrequency.NON_RECURRING,
            start_date=start,
        )  # fmt: skip
        for _ in range(10)
    ]
    new = Occurrence.objects.get(timeslot=target, date=start)
    bookers = ContactFactory.create_batch(10)

    def work(i):
        if i % 2 == 0:
            booking = movers[i // 2]
            return appointment_reschedule(
                actor=admin_user, booking=booking, seat=booking.seats.get(),
                new_occurrence=new, reason="race",
            ).pk  # fmt: skip
        return appointment_book(
            actor=admin_user, student=bookers[i // 2], timeslot=target,
            frequency=BookingFrequency.NON_RECURRING, start_date=start,
        ).pk  # fmt: skip

    done, refused = _race(20, work)
    assert len(done) == 2, refused
    assert all(m.startswith("No openings left") for m in refused), refused
    new.refresh_from_db()
    assert new.taken == 2 == new.seats.filter(state="booked").count()
    # Every place taken is a booked seat: nothing lost on the source occurrence either.
    old = Occurrence.objects.get(timeslot=source, date=start)
    assert old.taken == old.seats.filter(state="booked").count()
    total = Occurrence.objects.filter(pk__in=[old.pk, new.pk]).aggregate(n=Sum("taken"))["n"]
    assert total == Seat.objects.filter(state="booked").count()
