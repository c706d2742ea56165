"""Reports at the bench scale: the upcoming bookings report over 1,000,000 booking places and
the revenue report over 100,000 invoices (SPEC 10: well under 100 ms, constant queries).

    DATABASE_URL=postgres://…/td_bench python bench/run.py --only report
"""

import datetime
from functools import cache
from urllib.parse import urlencode

from bench.common import Case

BUDGET_MS = 100


@cache
def _ids() -> dict[str, int]:
    """A course, a venue, a trainer and an organisation that have upcoming places."""
    from django.utils import timezone

    from bookings.models import BookingPlace

    row = (
        BookingPlace.objects.filter(
            state="booked",
            schedule__start_at__gt=timezone.now(),
            schedule__trainer__isnull=False,
            booking__organisation__isnull=False,
        )
        .order_by("schedule__start_at")
        .values(
            "schedule__course_id",
            "schedule__venue_id",
            "schedule__trainer_id",
            "booking__organisation__name",
        )
        .first()
    ) or {}
    return {
        "course": row.get("schedule__course_id") or 1,
        "venue": row.get("schedule__venue_id") or 1,
        "trainer": row.get("schedule__trainer_id") or 1,
        "organisation": (row.get("booking__organisation__name") or "ltd")[:12],
    }


def _day(days: int) -> str:
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def _upcoming(**params) -> str:
    return "/reports/upcoming/?" + urlencode(params)


def _revenue(**params) -> str:
    return "/reports/revenue/?" + urlencode(params)


UPCOMING_FILTERS = [
    lambda: {},
    lambda: {"page": 20},
    lambda: {"starts_from": _day(30), "starts_to": _day(60)},
    lambda: {"course": _ids()["course"]},
    lambda: {"venue": _ids()["venue"]},
    lambda: {"trainer": _ids()["trainer"]},
    lambda: {"organisation": _ids()["organisation"]},
    lambda: {"course": _ids()["course"], "starts_from": _day(90)},
]


def _months_ago(months: int) -> str:
    today = datetime.date.today()
    month, year = today.month - months, today.year
    while month < 1:
        month, year = month + 12, year - 1
    return datetime.date(year, month, 1).isoformat()


CASES = [
    Case("upcoming report (full page)", "/reports/upcoming/", budget_ms=BUDGET_MS),
    Case("upcoming report page 20 (HTMX)", _upcoming(page=20), htmx=True, budget_ms=BUDGET_MS),
    Case("upcoming report: next month (HTMX)",
         lambda i: _upcoming(starts_from=_day(30), starts_to=_day(60)), htmx=True,
         budget_ms=BUDGET_MS),
    Case("upcoming report: one course (HTMX)", lambda i: _upcoming(course=_ids()["course"]),
         htmx=True, budget_ms=BUDGET_MS),
    Case("upcoming report: one trainer (HTMX)", lambda i: _upcoming(trainer=_ids()["trainer"]),
         htmx=True, budget_ms=BUDGET_MS),
    Case("upcoming report: organisation name (HTMX)",
         lambda i: _upcoming(organisation=_ids()["organisation"]), htmx=True,
         budget_ms=BUDGET_MS),
    Case("upcoming report: mixed filters (HTMX)",
         lambda i: _upcoming(**UPCOMING_FILTERS[i % len(UPCOMING_FILTERS)]()), htmx=True,
         requests=80, budget_ms=BUDGET_MS),
    # run.py does not read a streamed body: this measures the filters and the response start.
    Case("upcoming report CSV: next week (stream not read)",
         lambda i: "/reports/upcoming/export.csv?"
         + urlencode({"starts_from": _day(1), "starts_to": _day(7)}),
         requests=10, budget_ms=BUDGET_MS),
    Case("revenue report (last 12 months, full page)", "/reports/revenue/", user_role="Finance",
         budget_ms=BUDGET_MS),
    Case("revenue report: one month (HTMX)",
         lambda i: _revenue(date_from=_months_ago(1), date_to=_months_ago(0)), htmx=True,
         user_role="Finance", budget_ms=BUDGET_MS),
    Case("revenue report: one course, 12 months (HTMX)",
         lambda i: _revenue(course=_ids()["course"]), htmx=True, user_role="Finance",
         budget_ms=BUDGET_MS),
    Case("revenue report: 5 years (HTMX)", lambda i: _revenue(date_from=_months_ago(59)),
         htmx=True, user_role="Finance", requests=20, budget_ms=BUDGET_MS),
    Case("revenue report CSV (last 12 months)", "/reports/revenue/export.csv",
         user_role="Finance", requests=20, budget_ms=BUDGET_MS),
]  # fmt: skip
