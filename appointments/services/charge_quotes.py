"""Tuition charges: what a booking owes for a month, and the invoice that bills it.

The amount comes from the booking's pricing schedule and the lessons (Booked seats) whose
occurrence date falls in the month:

- per lesson: the amount x the booked lessons;
- per month: the amount once, when at least one lesson is booked in the month;
- per package of N lessons: the amount per package, as many packages as the month's booked
  lessons need (ceil(lessons / N)). Packages are counted per month: spare lessons of a
  package charged for one month do not carry into the next.

Charging the same booking, category and month again bills only the difference: the lessons
(and units: lessons, the month, packages) the earlier charges of that month cover are
subtracted. Per lesson, each lesson booked since is billed; per month, nothing more once the
month is charged; per package, a new package only when the lessons outgrow the packages
charged (12 lessons in packages of 10 after a charge for 4: one more package). Lessons
cancelled after a charge are not credited here (that is a credit note on the invoice), and
the count never goes below what was charged. Nothing left to bill: refused.
"""

import calendar
import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count

from core.money import money_str, q

from ..models import AppointmentBooking, Seat, TuitionCharge
from ..states import PricingBasis, SeatState

DEFAULT_CATEGORY = "Tuition"
ZERO = Decimal("0.00")


# --- periods ------------------------------------------------------------------------------------


def month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of `day`'s calendar month."""
    first = day.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def month_label(day: datetime.date) -> str:
    return f"{day:%B %Y}"


# --- the amount (pure: no database) -------------------------------------------------------------


def charge_units(
    *,
    basis: str,
    package_size: int | None,
    booked: int,
    charged_lessons: int,
    charged_units: int,
) -> tuple[int, int]:
    """(lessons, units) still to bill for a month: `lessons` booked beyond what the month's
    charges cover, and the `units` they cost (lessons, 1 month, or packages). Units 0 with
    lessons > 0: the new lessons are covered (the month or a package already charged)."""
    lessons = max(0, booked - charged_lessons)
    if lessons == 0:
        return 0, 0
    if basis == PricingBasis.PER_MONTH:
        return lessons, 0 if charged_units else 1
    if basis == PricingBasis.PER_PACKAGE:
        size = max(1, package_size or 1)
        uncovered = max(0, booked - charged_units * size)
        return lessons, math.ceil(uncovered / size)
    return lessons, lessons  # per lesson (and no pricing schedule: one unit per lesson)


# --- the quote: what charging a booking for a month would bill ----------------------------------


@dataclass
class Quote:
    booking: AppointmentBooking
    period_start: datetime.date
    period_end: datetime.date
    category: str
    booked: int  # Booked lessons in the month
    charged_lessons: int  # covered by the month's earlier charges
    charged_units: int
    lessons: int  # to bill now
    units: int
    unit_net: Decimal | None  # the pricing schedule's amount (None: no schedule)
    vat_rate: Decimal
    earlier: list[str] = field(default_factory=list)  # invoice numbers of earlier charges

    @property
    def amount(self) -> Decimal:
        return q((self.unit_net or ZERO) * self.units)

    @property
    def chargeable(self) -> bool:
        return self.units > 0 and self.amount > 0

    @property
    def is_duplicate(self) -> bool:
        """Charged already for this month and category, and nothing new to bill."""
        return bool(self.charged_lessons) and not self.chargeable

    @property
    def bill_to(self) -> str:
        b = self.booking
        return b.family.name if b.family_id else b.student.full_name

    @property
    def period_label(self) -> str:
        return month_label(self.period_start)

    def refusal(self) -> str:
        """Why nothing is billed ("" when something is)."""
        ref, month = self.booking.reference, self.period_label
        earlier = ", ".join(self.earlier)
        if self.lessons == 0 and self.charged_lessons:
            return (
                f"{ref} is already charged for {month} ({self.category}): "
                f"{self.charged_lessons} lesson{'s' if self.charged_lessons != 1 else ''} on "
                f"{earlier}. Nothing new to charge."
            )
        if self.booked == 0:
            return f"{ref} has no booked lessons in {month}: nothing to charge."
        if self.units == 0:
            covered = "the month" if self.charged_units and self._basis_is_month else "the package"
            return (
                f"The lessons booked since {earlier} are covered by {covered} already charged "
                f"for {month}: nothing to charge."
            )
        if self.unit_net is None:
            return f"{ref} has no pricing schedule: enter the amount."
        return f"{ref}: the pricing schedule's amount is {money_str(ZERO)}: nothing to charge."

    @property
    def _basis_is_month(self) -> bool:
        p = self.booking.pricing_schedule
        return p is not None and p.is_per_month

    def note(self) -> str:
        """What the bulk list says beside the row."""
        if self.chargeable and self.charged_lessons:
            return (
                f"Already charged {self.charged_lessons} on {', '.join(self.earlier)}: "
                f"this bills the {self.lessons} booked since."
            )
        return "" if self.chargeable else self.refusal()

    def description(self) -> str:
        b = self.booking
        what = b.timeslot.appointment_type.name
        n = self.lessons
        return (
            f"{self.category} {self.period_label}: {what} with {b.timeslot.staff_name}, "
            f"{b.student.full_name} ({n} lesson{'s' if n != 1 else ''}, {b.reference})"
        )


def _vat_rate(booking: AppointmentBooking) -> Decimal:
    p = booking.pricing_schedule
    rate = p.vat_rate if p is not None else Decimal(settings.DEFAULT_VAT_RATE)
    return rate.quantize(Decimal("0.0001"))


def quote_from(
    booking: AppointmentBooking,
    *,
    period_start: datetime.date,
    category: str,
    booked: int,
    earlier: list[tuple[int, int, str]],
) -> Quote:
    """The quote from counts already read: `earlier` = (lessons, units, invoice number) of the
    month's charges. The single charge and the bulk list both come through here."""
    start, end = month_of(period_start)
    p = booking.pricing_schedule
    charged_lessons = sum(e[0] for e in earlier)
    charged_units = sum(e[1] for e in earlier)
    lessons, units = charge_units(
        basis=p.basis if p is not None else PricingBasis.PER_LESSON,
        package_size=p.lessons if p is not None else None,
        booked=booked,
        charged_lessons=charged_lessons,
        charged_units=charged_units,
    )
    return Quote(
        booking=booking,
        period_start=start,
        period_end=end,
        category=category,
        booked=booked,
        charged_lessons=charged_lessons,
        charged_units=charged_units,
        lessons=lessons,
        units=units,
        unit_net=p.amount if p is not None else None,
        vat_rate=_vat_rate(booking),
        earlier=[e[2] for e in earlier],
    )


def booked_lessons(booking_id: int, start: datetime.date, end: datetime.date) -> int:
    return Seat.objects.filter(
        booking_id=booking_id,
        state=SeatState.BOOKED,
        occurrence__date__gte=start,
        occurrence__date__lte=end,
    ).count()


def earlier_charges(
    booking_id: int, start: datetime.date, category: str
) -> list[tuple[int, int, str]]:
    return list(
        TuitionCharge.objects.filter(booking_id=booking_id, category=category, period_start=start)
        .order_by("pk")
        .values_list("lessons", "units", "invoice__display_no")
    )


def charge_quote(
    booking: AppointmentBooking, *, period_start: datetime.date, category: str = DEFAULT_CATEGORY
) -> Quote:
    """What `tuition_charge` would bill this booking for the month of `period_start` (two
    queries; the booking with its pricing schedule, timeslot and student)."""
    start, end = month_of(period_start)
    return quote_from(
        booking,
        period_start=start,
        category=category,
        booked=booked_lessons(booking.pk, start, end),
        earlier=earlier_charges(booking.pk, start, category),
    )


def bookings_with_lessons(start: datetime.date, end: datetime.date):
    """The ids of bookings with at least one Booked lesson in the period, and how many."""
    return (
        Seat.objects.filter(
            state=SeatState.BOOKED, occurrence__date__gte=start, occurrence__date__lte=end
        )
        .values("booking_id")
        .annotate(n=Count("id"))
        .order_by()
    )
