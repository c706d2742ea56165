"""Reads behind the reports: upcoming booked places and revenue by month and course.

Every figure is summed in the database (one grouped query per ledger table), so a report costs
the same few queries whatever the number of invoices, payments or places.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from bookings.models import BookingPlace, BookingStatus, PlaceState
from core.money import q
from core.paging import QuickPage
from invoicing.models import RevenueEntry, RevenueTotal
from invoicing.services.revenue import revenue_fold
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


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _months(date_from: datetime.date, date_to: datetime.date) -> list[datetime.date]:
    months, month = [], date_from.replace(day=1)
    while month <= date_to:
        months.append(month)
        month = _next_month(month)
    return months


def _whole_months(date_from: datetime.date, date_to: datetime.date) -> tuple:
    """[first, end): the months the period covers entirely (empty when first >= end)."""
    first = date_from if date_from.day == 1 else _next_month(date_from)
    end = (
        _next_month(date_to)
        if _next_month(date_to) - datetime.timedelta(1) == date_to
        else (date_to.replace(day=1))
    )
    return first, end


FIGURE_FIELDS = ("invoiced", "credited", "paid", "outstanding")


def _revenue_cells(date_from: datetime.date, date_to: datetime.date, course: str):
    """(day or month, course key, figures) rows: the folded totals of the whole months (month
    rows) and of the other days (day rows), plus the entries not folded yet. One statement,
    so a fold running meanwhile can neither hide nor double an entry."""
    first, end = _whole_months(date_from, date_to)
    whole = Q(day__gte=first, day__lt=end)
    totals = RevenueTotal.objects.filter(
        Q(whole_month=True) & whole
        | Q(whole_month=False, day__gte=date_from, day__lte=date_to) & ~whole
    )
    pending = RevenueEntry.objects.filter(day__gte=date_from, day__lte=date_to)
    if course == OTHER:
        totals, pending = totals.filter(course_key=0), pending.filter(course_key=0)
    elif course:
        totals, pending = (
            totals.filter(course_key=int(course)),
            pending.filter(course_key=int(course)),
        )
    columns = ("day", "course_key", *FIGURE_FIELDS)
    return (
        totals.values_list(*columns)
        .order_by()
        .union(pending.values_list(*columns).order_by(), all=True)
    )


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
    lines' courses in proportion to their gross.

    The figures are kept by the ledger services (`invoicing.services.revenue`): the report
    folds the latest entries into the totals, then reads at most a few rows per course and
    month - three queries, whatever the number of documents.
    `course` is "" (all), OTHER, or a course id as text.
    """
    revenue_fold()
    cells: dict[tuple[datetime.date, int | None], Figures] = {}
    for day, key, invoiced, credited, paid, outstanding in _revenue_cells(
        date_from, date_to, course
    ):
        figures = cells.setdefault((day.replace(day=1), key or None), Figures())
        figures.add(Figures(invoiced, credited, paid, outstanding))

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
