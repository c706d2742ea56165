"""Shared by the transfer tests: schedules priced for the examples, bookings, payments, the
transfer call, and the check that a refused transfer changes nothing."""

from decimal import Decimal as D

import pytest

from bookings import services
from bookings.models import Booking, BookingPlace, PlaceState
from core.errors import DomainError
from core.models import AuditEvent
from invoicing.models import Invoice
from invoicing.services import payment_record
from notifications.models import OutboxMessage
from schedules.models import Schedule
from tests.invoicing import invariants

from .factories import ContactFactory, CourseFactory, ScheduleFactory, organisation_with_members


def schedule_at(net: str, rate: str = "0", capacity: int = 10) -> Schedule:
    return ScheduleFactory(
        course=CourseFactory(default_price=D(net), vat_rate=D(rate)), capacity=capacity
    )


def book_one(actor, schedule: Schedule, **kw) -> Booking:
    return services.booking_create(
        actor=actor, kind="individual", schedule=schedule, student=ContactFactory(), **kw
    )


def book_group(actor, schedule: Schedule, count: int) -> Booking:
    org, people = organisation_with_members(count + 1)
    return services.booking_create(
        actor=actor,
        kind="group",
        schedule=schedule,
        organisation=org,
        lead_booker=people[0],
        delegates=people[1:],
    )


def first_invoice(booking: Booking) -> Invoice:
    return Invoice.objects.filter(booking=booking).order_by("pk").first()


def pay(actor, invoice: Invoice, amount: str):
    return payment_record(actor=actor, invoice=invoice, amount=D(amount), method="bank_transfer")


def booked(booking: Booking) -> list[BookingPlace]:
    return list(booking.places.filter(state=PlaceState.BOOKED).order_by("pk"))


def transfer(actor, booking, place, schedule, fee=None, reason="Asked for another date"):
    return services.booking_place_transfer(
        actor=actor,
        booking=booking,
        place_id=place.pk,
        schedule=schedule,
        fee_net=D(fee) if fee is not None else None,
        reason=reason,
    )


def fresh(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def new_invoice_of(place: BookingPlace) -> Invoice:
    return Invoice.objects.get(lines__booking_place=place, lines__kind="course")


def taken(schedule: Schedule) -> int:
    return Schedule.objects.get(pk=schedule.pk).places_taken


def booking_rows():
    return (
        list(Booking.objects.order_by("pk").values()),
        list(BookingPlace.objects.order_by("pk").values()),
        list(Schedule.objects.order_by("pk").values_list("pk", "places_taken")),
        OutboxMessage.objects.count(),
        AuditEvent.objects.count(),
    )


def refused(fn) -> str:
    before = (invariants.snapshot(), booking_rows())
    with pytest.raises(DomainError) as refused:
        fn()
    assert (invariants.snapshot(), booking_rows()) == before
    return refused.value.message
