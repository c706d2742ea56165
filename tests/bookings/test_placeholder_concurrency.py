"""PostgreSQL only: placeholder places and delegate bookings racing for the last places of a
schedule never overbook it, and two admins assigning to the last free place give one
assignment and a clear refusal (threads, one connection each)."""

import pytest

from bookings import services
from bookings.models import Booking, BookingPlace, PlaceState
from schedules.models import Schedule

from .factories import ContactFactory, ScheduleFactory, organisation_with_members
from .test_concurrency import _race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_placeholders_and_bookings_race_for_the_last_places(needs_postgres, admin_user):
    schedule = ScheduleFactory(capacity=6)
    org, _ = organisation_with_members(1)
    students = ContactFactory.create_batch(6)

    def work(i):
        if i % 2:  # a placeholder of 3 places
            return services.placeholder_buy(
                actor=admin_user, schedule=schedule, organisation=org, places=3
            ).pk
        return services.booking_create(
            actor=admin_user, kind="individual", schedule=schedule, student=students[i // 2]
        ).pk

    made, refused = _race(12, work)
    assert not [e for e in refused if e.startswith("UNEXPECTED")], refused
    booked = BookingPlace.objects.filter(schedule=schedule, state=PlaceState.BOOKED).count()
    assert Schedule.objects.get(pk=schedule.pk).places_taken == booked <= 6
    assert booked == 6  # every place went to someone
    assert Booking.objects.filter(pk__in=made).count() == len(made)


def test_two_admins_assign_to_the_last_free_place(needs_postgres, admin_user):
    org, people = organisation_with_members(2)
    schedule = ScheduleFactory(capacity=5)
    booking = services.placeholder_buy(
        actor=admin_user, schedule=schedule, organisation=org, places=1
    )

    def work(i):
        return services.placeholder_assign(actor=admin_user, booking=booking, contact=people[i]).pk

    assigned, refused = _race(2, work)
    assert len(assigned) == 1 and refused == ["Every place is assigned: none is free."]
    assert BookingPlace.objects.filter(booking=booking, contact__isnull=False).count() == 1


def test_placeholder_transfer_races_bookings_for_the_last_places(needs_postgres, admin_user):
    """A placeholder of 2 free places moving onto a schedule with 3 places left while four
    students book it: never overbooked, and the counter matches the places."""
    org, _ = organisation_with_members(1)
    home = ScheduleFactory(capacity=5, course__default_price=0)
    target = ScheduleFactory(capacity=3, course__default_price=0)
    booking = services.placeholder_buy(actor=admin_user, schedule=home, organisation=org, places=2)
    students = ContactFactory.create_batch(4)

    def work(i):
        if i == 0:
            return services.placeholder_transfer(
                actor=admin_user, booking=booking, schedule=target, reason="Race"
            ).pk
        return services.booking_create(
            actor=admin_user, kind="individual", schedule=target, student=students[i - 1]
        ).pk

    made, refused = _race(5, work)
    assert not [e for e in refused if e.startswith("UNEXPECTED")], refused
    for schedule in (home, target):
        booked = BookingPlace.objects.filter(schedule=schedule, state=PlaceState.BOOKED).count()
        assert Schedule.objects.get(pk=schedule.pk).places_taken == booked
    assert Schedule.objects.get(pk=target.pk).places_taken <= 3
    moved = Booking.objects.get(pk=booking.pk).schedule_id == target.pk
    assert BookingPlace.objects.filter(booking=booking, schedule=target).count() == (
        2 if moved else 0
    )


def test_two_admins_transfer_the_same_placeholder(needs_postgres, admin_user):
    org, _ = organisation_with_members(1)
    home, first, second = (ScheduleFactory(capacity=5, course__default_price=0) for _ in "abc")
    booking = services.placeholder_buy(actor=admin_user, schedule=home, organisation=org, places=2)

    def work(i):
        return services.placeholder_transfer(
            actor=admin_user, booking=booking, schedule=(first, second)[i], reason="Race"
        ).schedule_id

    moved, refused = _race(2, work)
    assert len(moved) == 1 and refused == [
        "The placeholder has moved to another schedule since this page was shown: reload it."
    ]
    assert Booking.objects.get(pk=booking.pk).schedule_id == moved[0]
    taken = dict(Schedule.objects.values_list("pk", "places_taken"))
    assert (taken[home.pk], taken[first.pk] + taken[second.pk]) == (0, 2)
