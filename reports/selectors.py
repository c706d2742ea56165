"""Reads behind the reports: upcoming booked places and revenue by month and course.

Every figure is summed in the database (one grouped query per ledger table), so a report costs
the same few queries whatever the number of invoices, payments or places.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Case,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone

from bookings.models import BookingPlace, BookingStatus, PlaceState
from core.money import q
from core.paging import QuickPage
from invoicing.models import Allocation, CreditNoteLine, InvoiceLine, Refund
from schedules.models import Course

ZERO = Decimal("0.00")
OTHER = "other"  # the course filter's value for lines billed for no course
OTHER_LABEL = "Other"

# --- Upcoming bookings --------------------------------------------------------------------------

UPCOMING_ORDER = ("schedule__start_at", "schedule_id", "booking_id", "pk")


def upcoming_places(now: datetime.datetime | None = None) -> QuerySet[BookingPlace]:
    """Booked places on schedules that have not started yet, by schedule start: the base the
    report's filters narrow. PostgreSQL walks the schedules' start_at index from `now` and
    each schedule's places through the (schedule, state) index, stopping after one page."""
    return BookingPlace.objects.filter(
        state=PlaceState.BOOKED, schedule__start_at__gt=now or timezone.now()
    ).order_by(*UPCOMING_ORDER)


def upcoming_rows() -> QuerySet[BookingPlace]:
    """A place with what a report row shows: schedule (course, venue, trainer), delegate and
    booking (organisation), only the columns used."""
    return BookingPlace.objects.select_related(
        "schedule__course",
        "schedule__venue",
        "schedule__trainer",
        "contact",
        "booking__organisation",
    ).only(
        "id",
        "state",
        "schedule_id",
        "booking_id",
        "contact_id",
        "schedule__code",
        "schedule__start_at",
        "schedule__capacity",
        "schedule__places_taken",
        "schedule__course_id",
        "schedule__venue_id",
        "schedule__trainer_id",
        "schedule__course__code",
        "schedule__course__title",
        "schedule__venue__name",
        "schedule__trainer__username",
        "schedule__trainer__first_name",
        "schedule__trainer__last_name",
        "contact__first_name",
        "contact__last_name",
        "booking__reference",
        "booking__status",
        "booking__organisation_id",
        "booking__organisation__name",
    )


def upcoming_page(queryset: QuerySet[BookingPlace], number, per_page: int) -> QuickPage:
    """One page without COUNT(*): the page's place ids first (filters and order need only the
    schedule, so the query is cheap to plan and stops early), then those rows with everything
    they show, by id. Two queries whatever the number of places."""
    page = QuickPage(queryset.values_list("pk", flat=True), number, per_page)
    ids = page.object_list
    found = upcoming_rows().in_bulk(ids) if ids else {}
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page


UPCOMING_CSV_COLUMNS = (
    "Schedule ID",
    "Course",
    "Start",
    "Venue",
    "Trainer",
    "Delegate",
    "Organisation",
    "Booking reference",
    "Booking status",
    "Places left",
)


def upcoming_csv_rows(queryset: QuerySet[BookingPlace]) -> Iterator[tuple]:
    """Every matching place as plain values, fetched in chunks (server-side cursor on
    PostgreSQL), so an export of the whole report never holds it all in memory."""
    statuses = dict(BookingStatus.choices)
    rows = queryset.values_list(
        "schedule__code",
        "schedule__course__title",
        "schedule__start_at",
        "schedule__venue__name",
        "schedule__trainer__first_name",
        "schedule__trainer__last_name",
        "schedule__trainer__username",
        "contact__first_name",
        "contact__last_name",
        "booking__organisation__name",
        "booking__reference",
        "booking__status",
        "schedule__capacity",
        "schedule__places_taken",
    )
    for (code, course, start, venue, t_first, t_last, t_user, first, last, org, ref, status,
         capacity, taken) in rows.iterator(chunk_size=2000):  # fmt: skip
        trainer = f"{t_first or ''} {t_last or ''}".strip() or (t_user or "")
        delegate = f"{first or ''} {last or ''}".strip() if (first or last) else "Unassigned place"
        yield (
            code,
            course,
            timezone.localtime(start).strftime("%Y-%m-%d %H:%M"),
            venue or "",
            trainer,
            delegate,
            org or "",
            ref,
            statuses.get(status, status),
            capacity - taken,
        )


# --- Revenue ------------------------------------------------------------------------------------

MONEY = DecimalField(max_digits=30, decimal_places=12)


def _ratio(amount: F, part: F, whole: F):
    """amount x part / whole in exact numeric on PostgreSQL. SQLite (a newcomer's dev
    database) stores 120.00 as the integer 120 and casts every decimal step back to NUMERIC,
    so it would divide in integers: there it is computed in floating point, which rounds
    back to the same pennies for these amounts."""
    if connection.vendor == "sqlite":
        return ExpressionWrapper(
            Cast(amount, FloatField()) * Cast(part, FloatField()) / Cast(whole, FloatField()),
            output_field=FloatField(),
        )
    return ExpressionWrapper(amount * part / whole, output_field=MONEY)


def _share(amount: str, lines: str, invoice: str) -> Case:
    """The part of an invoice-level `amount` (outstanding, an allocation, a refund) that falls
    on one invoice line: amount x line gross / invoice gross. Lines of one course add up to the
    course's share; a single-course invoice gets all of it, exactly. An invoice of 0 puts the
    whole amount on its first line."""
    amount_f, gross, total = F(amount), F(f"{lines}gross"), F(f"{invoice}gross_total")
    return Case(
        When(
            **{f"{invoice}gross_total": 0},
            then=Case(
                When(**{f"{lines}position": 1}, then=amount_f),
                default=Value(ZERO),
                output_field=MONEY,
            ),
        ),
        default=_ratio(amount_f, gross, total),
        output_field=MONEY,
    )


@dataclass
class Figures:
    invoiced: Decimal = ZERO
    credited: Decimal = ZERO
    paid: Decimal = ZERO
    outstanding: Decimal = ZERO

    def add(self, other: "Figures") -> None:
        self.invoiced += other.invoiced
        self.credited += other.credited
        self.paid += other.paid
        self.outstanding += other.outstanding

    def rounded(self) -> "Figures":
        return Figures(*(q(v) for v in (self.invoiced, self.credited, self.paid, self.outstanding)))

    @property
    def is_zero(self) -> bool:
        return not any((self.invoiced, self.credited, self.paid, self.outstanding))


@dataclass
class RevenueRow:
    month: datetime.date
    course_id: int | None
    course: str
    figures: Figures


@dataclass
class RevenueMonth:
    month: datetime.date
    figures: Figures
    rows: list[RevenueRow] = field(default_factory=list)


@dataclass
class RevenueReport:
    date_from: datetime.date
    date_to: datetime.date
    months: list[RevenueMonth]
    total: Figures

    @property
    def rows(self) -> list[RevenueRow]:
        return [row for month in self.months for row in month.rows]

    @property
    def has_figures(self) -> bool:
        return any(month.rows for month in self.months)


def _months(date_from: datetime.date, date_to: datetime.date) -> list[datetime.date]:
    months, month = [], date_from.replace(day=1)
    while month <= date_to:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def revenue_report(
    *, date_from: datetime.date, date_to: datetime.date, course: str = ""
) -> RevenueReport:
    """Invoiced, credited, paid and outstanding per month and course between two dates.

    - invoiced: gross of the lines of invoices issued in the period (by issue month);
    - credited: gross of the credit note lines issued in the period;
    - paid: allocations of payments received in the period, less refunds (pending or
      completed) made in the period;
    - outstanding: what the invoices issued in the period still owe today.
    A line counts for the course of the schedule of the place it bills, else for "Other".
    Outstanding, allocations and refunds belong to a whole invoice: they are shared over its
    lines in proportion to their gross. Five queries, whatever the number of documents.
    `course` is "" (all), OTHER, or a course id as text.
    """
    day_range = (date_from, date_to)
    after, before = _local_midnight(date_from), _local_midnight(date_to + datetime.timedelta(1))
    place_course = "booking_place__schedule__course_id"

    invoiced = (
        InvoiceLine.objects.filter(invoice__issue_date__range=day_range)
        .values(month=TruncMonth("invoice__issue_date"), course=F(place_course))
        .annotate(
            invoiced=Sum("gross"),
            outstanding=Sum(_share("invoice__outstanding", "", "invoice__")),
        )
    )
    credited = (
        CreditNoteLine.objects.filter(credit_note__issue_date__range=day_range)
        .values(
            month=TruncMonth("credit_note__issue_date"),
            course=F(f"invoice_line__{place_course}"),
        )
        .annotate(credited=Sum("gross"))
    )
    paid = (
        Allocation.objects.filter(payment__received_on__range=day_range)
        .values(
            month=TruncMonth("payment__received_on"),
            course=F(f"invoice__lines__{place_course}"),
        )
        .annotate(paid=Sum(_share("amount", "invoice__lines__", "invoice__")))
    )
    refunded = (
        Refund.objects.filter(
            state__in=Refund.COUNTING, created_at__gte=after, created_at__lt=before
        )
        .values(
            month=TruncMonth("created_at", output_field=DateField()),
            course=F(f"invoice__lines__{place_course}"),
        )
        .annotate(refunded=Sum(_share("amount", "invoice__lines__", "invoice__")))
    )

    cells: dict[tuple[datetime.date, int | None], Figures] = {}

    def cell(row) -> Figures:
        return cells.setdefault((_as_date(row["month"]), row["course"]), Figures())

    querysets = [invoiced, credited, paid, refunded]
    if course == OTHER:
        querysets = [qs.filter(course__isnull=True) for qs in querysets]
    elif course:
        querysets = [qs.filter(course=int(course)) for qs in querysets]
    invoiced, credited, paid, refunded = (qs.order_by() for qs in querysets)

    for row in invoiced:
        cell(row).invoiced += row["invoiced"] or ZERO
        cell(row).outstanding += row["outstanding"] or ZERO
    for row in credited:
        cell(row).credited += row["credited"] or ZERO
    for row in paid:
        cell(row).paid += row["paid"] or ZERO
    for row in refunded:
        cell(row).paid -= row["refunded"] or ZERO

    course_ids = {c for _, c in cells if c is not None}
    names = dict(
        Course.objects.filter(pk__in=course_ids).values_list("pk", "title") if course_ids else []
    )

    total = Figures()
    by_month: dict[datetime.date, RevenueMonth] = {
        m: RevenueMonth(month=m, figures=Figures()) for m in _months(date_from, date_to)
    }
    for (month, course_id), figures in cells.items():
        group = by_month.setdefault(month, RevenueMonth(month=month, figures=Figures()))
        group.figures.add(figures)  # unrounded: the month adds up to the ledger exactly
        total.add(figures)
        rounded = figures.rounded()
        if not rounded.is_zero:
            group.rows.append(
                RevenueRow(
                    month=month,
                    course_id=course_id,
                    course=names.get(course_id, OTHER_LABEL) if course_id else OTHER_LABEL,
                    figures=rounded,
                )
            )
    months = []
    for month in sorted(by_month):
        group = by_month[month]
        group.figures = group.figures.rounded()
        group.rows.sort(key=lambda r: (r.course_id is None, r.course.lower(), r.course_id or 0))
        months.append(group)
    return RevenueReport(date_from=date_from, date_to=date_to, months=months, total=total.rounded())


def revenue_filter_courses() -> list[tuple[int, str]]:
    return list(Course.objects.order_by("title", "code").values_list("pk", "title"))
