"""PostgreSQL only: transfers really running at the same time (threads, one connection each).
Two finance users transferring the same delegate, and a transfer racing a booking for the last
place of the target schedule: one wins, the other gets a clear message, nothing half-written."""

from decimal import Decimal as D

import pytest

from bookings import services
from bookings.models import BookingPlace, PlaceState
from invoicing.models import CreditNote, Invoice, Operation
from schedules.models import Schedule
from tests.invoicing import invariants

from .factories import ContactFactory
from .test_concurrency import _race
from .transfers import book_one, booked, first_invoice, pay, schedule_at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _taken(schedule) -> int:
    return Schedule.objects.get(pk=schedule.pk).places_taken


@pytest.mark.parametrize("same_target", [True, False])
def test_two_finance_users_transfer_the_same_delegate(needs_postgres, finance_user, same_target):
    a = schedule_at("100.00")
    targets = [schedule_at("30.00"), schedule_at("30.00") if not same_target else None]
    targets[1] = targets[1] or targets[0]
    booking = book_one(finance_user, a)
    pay(finance_user, first_invoice(booking), "50.00")
    place = booked(booking)[0]

    def move(i):
        return services.booking_place_transfer(
            actor=finance_user,
            booking=booking,
            place_id=place.pk,
            schedule=targets[i],
            fee_net=D("10.00"),
            reason=f"user {i}",
        ).pk

    done, refused = _race(2, move)

    assert len(done) == 1, (done, refused)
    assert len(refused) == 1 and "no longer booked" in refused[0], refused
    place.refresh_from_db()
    assert (place.state, place.transferred_to_id) == (PlaceState.TRANSFERRED, done[0])
    winner = BookingPlace.objects.get(pk=done[0])
    assert BookingPlace.objects.filter(booking=booking).count() == 2
    assert _taken(a) == 0
    assert sum(_taken(t) for t in set(targets)) == 1 == _taken(winner.schedule)
    assert CreditNote.objects.count() == 1
    assert Invoice.objects.filter(kind="transfer").count() == 1
    assert Operation.objects.filter(kind=Operation.Kind.TRANSFER).count() == 1
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2]
    invariants.check_all()


def test_a_transfer_races_a_booking_for_the_last_place(needs_postgres, finance_user, admin_user):
    a, b = schedule_at("100.00"), schedule_at("30.00", capacity=1)
    booking = book_one(finance_user, a)
    place = booked(booking)[0]
    student = ContactFactory()

    def work(i):
        if i == 0:
            return (
                "transfer",
                services.booking_place_transfer(
                    actor=finance_user, booking=booking, place_id=place.pk, schedule=b, reason="r"
                ).pk,
            )
        return (
            "booking",
            services.booking_create(
                actor=admin_user, kind="individual", schedule=b, student=student
            ).pk,
        )

    done, refused = _race(2, work)

    assert len(done) == 1 and len(refused) == 1, (done, refused)
    assert "No places left" in refused[0], refused
    assert _taken(b) == 1
    assert BookingPlace.objects.filter(schedule=b, state=PlaceState.BOOKED).count() == 1
    place.refresh_from_db()
    if done[0][0] == "transfer":
        assert place.state == PlaceState.TRANSFERRED and _taken(a) == 0
        assert Invoice.objects.filter(kind="transfer").count() == 1
        assert CreditNote.objects.count() == 1
    else:  # the transfer left nothing behind
        assert place.state == PlaceState.BOOKED and _taken(a) == 1
        assert not Invoice.objects.filter(kind="transfer").exists()
        assert not CreditNote.objects.exists()
        assert not Operation.objects.filter(kind=Operation.Kind.TRANSFER).exists()
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    invariants.check_all()
