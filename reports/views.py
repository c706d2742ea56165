"""Report pages. Thin: permission, filters, a selector, render (page, HTMX partial or CSV)."""

from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from core.access import has, require
from core.web import partial_template

from . import selectors
from .csv_export import csv_response
from .filters import UpcomingFilter
from .forms import RevenueForm

PER_PAGE = 50


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require("view_reports")
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    reports = [
        {
            "title": "Upcoming bookings",
            "url_name": "reports:upcoming",
            "about": "Delegates booked on schedules that have not started yet, by schedule "
            "start, with the places left.",
        }
    ]
    if has(request.user, "view_revenue"):
        reports.append(
            {
                "title": "Revenue",
                "url_name": "reports:revenue",
                "about": "Invoiced, credited, paid and outstanding by month and course, "
                "with a chart.",
            }
        )
    return render(request, "reports/index.html", {"reports": reports, "page_title": "Reports"})


# --- Upcoming bookings --------------------------------------------------------------------------


def _upcoming_filter(request: HttpRequest) -> tuple[UpcomingFilter, object]:
    f = UpcomingFilter(request.GET, queryset=selectors.upcoming_places())
    qs = f.qs if f.is_valid() else f.queryset.none()
    return f, qs


@require("view_reports")
@vary_on_headers("HX-Request")
@require_safe
def upcoming(request: HttpRequest) -> HttpResponse:
    f, qs = _upcoming_filter(request)
    # No COUNT(*): at a million places the count costs more than the page itself.
    page = selectors.upcoming_page(qs, request.GET.get("page"), PER_PAGE)
    query = _query_without_page(request)
    return render(
        request,
        partial_template(request, "reports/upcoming.html", "results"),
        {
            "filter": f,
            "page": page,
            "query": query,
            "csv_query": query,
            "now": timezone.now(),
            "page_title": "Upcoming bookings",
        },
    )


@require("view_reports")
@require_safe
def upcoming_csv(request: HttpRequest) -> HttpResponse:
    f, qs = _upcoming_filter(request)
    if not f.is_valid():
        return _bad_filters(f.form.errors)
    stamp = timezone.localdate().isoformat()
    return csv_response(
        f"upcoming-bookings-{stamp}.csv",
        selectors.UPCOMING_CSV_COLUMNS,
        selectors.upcoming_csv_rows(qs),
    )


def _bad_filters(errors) -> HttpResponse:
    lines = [
        f"{'Filters' if field == '__all__' else field}: {' '.join(messages)}"
        for field, messages in errors.items()
    ]
    return HttpResponse(
        "Please correct the filters.\n" + "\n".join(lines),
        status=400,
        content_type="text/plain; charset=utf-8",
    )


# --- Revenue ------------------------------------------------------------------------------------


BAR_SLOT = 40  # SVG units per month: two bars of 13 and the gaps around them


def _chart(report: selectors.RevenueReport) -> dict:
    """Geometry of the inline SVG chart (plain strings, so no number localisation applies):
    bars up to 100 units high, scaled to the largest monthly figure; negative paid shows 0."""
    peak = max((max(m.figures.invoiced, m.figures.paid) for m in report.months), default=Decimal(0))

    def height(value: Decimal) -> Decimal:
        if peak <= 0 or value <= 0:
            return Decimal(0)
        return (value * 100 / peak).quantize(Decimal("0.1"))

    bars = []
    for i, month in enumerate(report.months):
        invoiced_h, paid_h = height(month.figures.invoiced), height(month.figures.paid)
        x = i * BAR_SLOT
        bars.append(
            {
                "month": month.month,
                "invoiced": month.figures.invoiced,
                "paid": month.figures.paid,
                "invoiced_h": str(invoiced_h),
                "invoiced_y": str(100 - invoiced_h),
                "paid_h": str(paid_h),
                "paid_y": str(100 - paid_h),
                "x_invoiced": str(x + 6),
                "x_paid": str(x + 21),
                "x_label": str(x + 20),
            }
        )
    width = max(BAR_SLOT * len(bars), BAR_SLOT)
    return {"bars": bars, "width": str(width), "max_px": str(width * 3)}


@require("view_reports", "view_revenue")
@vary_on_headers("HX-Request")
@require_safe
def revenue(request: HttpRequest) -> HttpResponse:
    form = RevenueForm(request.GET)
    report = None
    chart = None
    if form.is_valid():
        date_from, date_to, course = form.period()
        report = selectors.revenue_report(date_from=date_from, date_to=date_to, course=course)
        chart = _chart(report)
    return render(
        request,
        partial_template(request, "reports/revenue.html", "results"),
        {
            "form": form,
            "report": report,
            "chart": chart,
            "csv_query": request.GET.urlencode(),
            "page_title": "Revenue",
        },
    )


REVENUE_CSV_COLUMNS = ("Month", "Course", "Invoiced", "Credited", "Paid", "Outstanding")


def _revenue_csv_rows(report: selectors.RevenueReport):
    for row in report.rows:
        f = row.figures
        yield (row.month.strftime("%Y-%m"), row.course, f.invoiced, f.credited, f.paid,
               f.outstanding)  # fmt: skip
    t = report.total
    yield ("Total", "", t.invoiced, t.credited, t.paid, t.outstanding)


@require("view_reports", "view_revenue")
@require_safe
def revenue_csv(request: HttpRequest) -> HttpResponse:
    form = RevenueForm(request.GET)
    if not form.is_valid():
        return _bad_filters(form.errors)
    date_from, date_to, course = form.period()
    report = selectors.revenue_report(date_from=date_from, date_to=date_to, course=course)
    return csv_response(
        f"revenue-{date_from.isoformat()}-to-{date_to.isoformat()}.csv",
        REVENUE_CSV_COLUMNS,
        _revenue_csv_rows(report),
    )
