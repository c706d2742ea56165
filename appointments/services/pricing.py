"""A pricing schedule created on the spot for one booking ("Create a New Pricing Schedule",
seed 002), in the same transaction as the booking: a refused booking leaves no orphan
schedule behind."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied

from contacts.models import Contact
from core.access import has
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import MAX_AMOUNT
from core.text import bounded
from core.transactions import service_atomic

from ..models import AppointmentBooking, PricingSchedule, Timeslot
from ..states import PricingBasis
from .book import appointment_book


@dataclass(frozen=True)
class PricingSpec:
    """What "Create a New Pricing Schedule" asks: amounts net, VAT a fraction (0.2 = 20 %)."""

    name: str
    basis: str
    amount: Decimal
    vat_rate: Decimal
    lessons: int | None = None


def _check(spec: PricingSpec) -> None:
    if not spec.name.strip():
        raise DomainError("Name the new pricing schedule.", field="new_name")
    bounded(spec.name, label="Name", field="new_name", limit=200)
    if spec.basis not in PricingBasis.values:
        raise DomainError("Choose how the schedule charges.", field="new_basis")
    if not isinstance(spec.amount, Decimal) or not spec.amount.is_finite():
        raise DomainError("Enter the amount in pounds and pence.", field="new_amount")
    if (
        spec.amount < 0
        or spec.amount > MAX_AMOUNT
        or spec.amount != spec.amount.quantize(Decimal("0.01"))
    ):
        raise DomainError(
            "The amount is from £0.00 to £1,000,000.00, in pounds and pence.", field="new_amount"
        )
    if not isinstance(spec.vat_rate, Decimal) or not Decimal(0) <= spec.vat_rate <= Decimal(1):
        raise DomainError("The VAT rate is from 0 % to 100 %.", field="new_vat_rate")
    if spec.vat_rate != spec.vat_rate.quantize(Decimal("0.0001")):
        raise DomainError(
            "The VAT rate has at most two decimals (e.g. 17.5 %).", field="new_vat_rate"
        )
    if spec.basis == PricingBasis.PER_PACKAGE and not (spec.lessons and 1 <= spec.lessons <= 1000):
        raise DomainError("A package has from 1 to 1,000 lessons.", field="new_lessons")


def booking_pricing_create(*, actor: Actor, spec: PricingSpec) -> PricingSchedule:
    """A pricing schedule for one booking (`for_booking`: never offered to other bookings)."""
    if not has(actor, "manage_appointments"):
        raise PermissionDenied
    _check(spec)
    with service_atomic():
        schedule = PricingSchedule.objects.create(
            name=spec.name.strip(),
            basis=spec.basis,
            amount=spec.amount,
            lessons=spec.lessons if spec.basis == PricingBasis.PER_PACKAGE else None,
            vat_rate=spec.vat_rate,
            for_booking=True,
        )
        audit_record(
            actor=actor,
            target=schedule,
            action="pricing.create",
            summary=f"Pricing schedule {schedule.name} created for a booking",
        )
    return schedule


def appointment_book_new_pricing(
    *,
    actor: Actor,
    spec: PricingSpec,
    student: Contact,
    timeslot: Timeslot,
    frequency: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    weekdays: Iterable[int] = (),
    dates: Iterable[datetime.date] | None = None,
    notes: str = "",
    send_email: bool = False,
) -> AppointmentBooking:
    """Create the new pricing schedule and book with it, in one transaction."""
    if not has(actor, "manage_appointments"):
        raise PermissionDenied
    with service_atomic():
        schedule = booking_pricing_create(actor=actor, spec=spec)
        return appointment_book(
            actor=actor,
            student=student,
            timeslot=timeslot,
            frequency=frequency,
            start_date=start_date,
            end_date=end_date,
            weekdays=weekdays,
            dates=dates,
            pricing_schedule=schedule,
            notes=notes,
            send_email=send_email,
        )
