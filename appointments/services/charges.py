"""The tuition charge of one booking for one month: ONE invoice through the ledger
(`invoicing.services`), the `TuitionCharge` row and the booking's history, in one
transaction. What it bills (the rule per pricing basis, re-runs billing the difference):
`charge_quotes.py`."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from core.access import has
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import MAX_AMOUNT, money_str, q
from core.text import bounded
from core.transactions import insert_later, service_atomic
from invoicing.services import LineSpec, billing_account_for, invoice_issue

from ..models import AppointmentBooking, ChargeRun, Seat, TuitionCharge
from ..states import SeatState
from .charge_quotes import (  # noqa: F401  (re-exported: one import place for callers)
    DEFAULT_CATEGORY,
    Quote,
    bookings_with_lessons,
    charge_quote,
    charge_units,
    month_label,
    month_of,
    quote_from,
)


class AlreadyInRun(DomainError):
    """The bulk run already charged this booking (its task was delivered twice)."""


# --- the charge ---------------------------------------------------------------------------------


def _category(category: str) -> str:
    category = " ".join((category or "").split())
    if not category:
        raise DomainError("Enter the category (e.g. Tuition).", field="category")
    if len(category) > 100:
        raise DomainError("The category can be at most 100 characters long.", field="category")
    return category


def _amount(amount) -> Decimal | None:
    if amount is None:
        return None
    if isinstance(amount, float | bool) or not isinstance(amount, Decimal | int | str):
        raise DomainError("Enter the amount in pounds and pence.", field="amount")
    try:
        value = Decimal(amount)
    except ArithmeticError:
        raise DomainError("Enter the amount in pounds and pence.", field="amount") from None
    if not value.is_finite() or q(value) != value:
        raise DomainError("The amount can have at most 2 decimals.", field="amount")
    if value <= 0:
        raise DomainError("The amount must be more than £0.00.", field="amount")
    if value > MAX_AMOUNT:
        raise DomainError(f"The amount cannot exceed {money_str(MAX_AMOUNT)}.", field="amount")
    return q(value)


def _lock_booking(booking_id: int, start: datetime.date, end: datetime.date):
    """The booking, locked, with its pricing, timeslot, student and family, and the number of
    its Booked lessons in the period (`booked_in_period`), in one statement."""
    booked = (
        Seat.objects.filter(
            booking_id=OuterRef("pk"),
            state=SeatState.BOOKED,
            occurrence__date__gte=start,
            occurrence__date__lte=end,
        )
        .order_by()
        .values("booking_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    locked = (
        AppointmentBooking.objects.select_for_update(of=("self",))
        .select_related(
            "student",
            "family",
            "pricing_schedule",
            "timeslot",
            "timeslot__appointment_type",
            "timeslot__staff",
        )
        .annotate(booked_in_period=Coalesce(Subquery(booked), 0))
        .filter(pk=booking_id)
        .first()
    )
    if locked is None:
        raise DomainError("That appointment booking does not exist.")
    return locked


def tuition_charge(
    *,
    actor: Actor,
    booking: AppointmentBooking,
    period_start: datetime.date,
    amount: Decimal | None = None,
    description: str = "",
    category: str = DEFAULT_CATEGORY,
    run: ChargeRun | None = None,
) -> TuitionCharge:
    """Charge the booking's lessons of the month of `period_start` not charged yet for this
    category: ONE invoice (one "tuition" line) to the family, else the student, the
    `TuitionCharge` row and the booking's history, in one transaction. `amount` (net)
    replaces the pricing schedule's amount for what is billed. Refused when nothing is left
    to bill (already charged, no booked lessons, covered by the month or package charged)."""
    if not has(actor, "manage_finance"):
        raise PermissionDenied
    category = _category(category)
    amount = _amount(amount)
    description = bounded(description, field="description", label="Description").strip()
    if len(description) > 300:
        raise DomainError(
            "The description can be at most 300 characters long.", field="description"
        )
    try:
        return _charge(
            actor=actor,
            booking=booking,
            period_start=period_start,
            amount=amount,
            description=description,
            category=category,
            run=run,
        )
    except IntegrityError:
        # The unique (booking, category, period, lessons covered) index: the same difference
        # charged by someone else meanwhile (unreachable under the booking lock; the backstop).
        raise DomainError(
            f"{booking.reference} was just charged for this period: nothing new to charge."
        ) from None


def _charge(
    *,
    actor: Actor,
    booking: AppointmentBooking,
    period_start: datetime.date,
    amount: Decimal | None,
    description: str,
    category: str,
    run: ChargeRun | None,
) -> TuitionCharge:
    with service_atomic():
        # Lock order: booking -> billing account (-> the ledger's invoices and sequences).
        start, end = month_of(period_start)
        booking = _lock_booking(booking.pk, start, end)
        earlier = list(
            TuitionCharge.objects.filter(booking=booking, category=category, period_start=start)
            .order_by("pk")
            .values_list("lessons", "units", "invoice__display_no", "run_id")
        )
        if run is not None and any(e[3] == run.pk for e in earlier):
            raise AlreadyInRun(f"{booking.reference} was charged by this run already.")
        quote = quote_from(
            booking,
            period_start=start,
            category=category,
            booked=booking.booked_in_period,
            earlier=[e[:3] for e in earlier],
        )
        if amount is not None and quote.chargeable and amount == quote.amount:
            amount = None  # the schedule's own amount: billed itemised (4 x £25.00)
        if quote.units == 0 or (amount is None and not quote.chargeable):
            raise DomainError(quote.refusal())
        if amount is not None:
            line = LineSpec(
                description=description or quote.description(),
                unit_net=amount,
                vat_rate=quote.vat_rate,
                kind="tuition",
            )
        else:
            line = LineSpec(
                description=description or quote.description(),
                unit_net=quote.unit_net,
                vat_rate=quote.vat_rate,
                quantity=quote.units,
                kind="tuition",
            )
        if booking.family_id:
            account = billing_account_for(family=booking.family, lock=True)
        else:
            account = billing_account_for(contact=booking.student, lock=True)
        reason = f"{quote.category} {quote.period_label} for {booking.reference}"
        invoice = invoice_issue(actor=actor, account=account, lines=[line], reason=reason)
        # Nothing reads the row back in this transaction: it goes with the history in the
        # block's last statement (core.transactions.insert_later), a round trip less while
        # the invoice number's lock is held.
        charge = TuitionCharge(
            booking=booking,
            category=quote.category,
            period_start=quote.period_start,
            period_end=quote.period_end,
            lessons=quote.lessons,
            lessons_through=quote.charged_lessons + quote.lessons,
            units=quote.units,
            amount=invoice.net_total,
            invoice=invoice,
            run=run,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        insert_later([charge])
        n = quote.lessons
        audit_record(
            actor=actor,
            target=booking,
            action="appointment.charge",
            summary=(
                f"{quote.category} {quote.period_label} charged: {n} lesson{'s' if n != 1 else ''}"
                f", {money_str(invoice.net_total)} net on {invoice.display_no}"
            ),
            data={"invoice": invoice.pk, "period": quote.period_start.isoformat()},
        )
    return charge
