"""Bookings pages at 1,000,000 booking places (bench/generate_bookings.py).

    DATABASE_URL=postgres://…/td_bench python bench/run.py --only booking

Bookings per second (`booking_create`, the PostgreSQL ceiling, the Book form over HTTP):
bench/booking_throughput.py (`make bench-booking`).
"""

from functools import cache
from urllib.parse import urlencode

from bench.common import Case

LIST_BUDGET_MS = 100  # issue 4: bookings list and search p95 under 100 ms at 1,000,000 places

NAMES = ["smith", "ann smith", "jones", "harris", "oli", "kingsford", "07700 900123", "zz"]


@cache
def _booking_ids() -> list[int]:
    """A spread of booking ids: small, large and in between (groups and individuals)."""
    from bookings.models import Booking

    last = Booking.objects.order_by("-id").values_list("id", flat=True).first() or 1
    step = max(1, last // 50)
    return list(
        Booking.objects.filter(id__in=range(1, last + 1, step)).values_list("id", flat=True)
    ) or [1]


@cache
def _busy_contact() -> int:
    from django.db.models import Count

    from bookings.models import BookingPlace

    row = (
        BookingPlace.objects.values("contact_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("contact_id", flat=True)
        .first()
    )
    return row or 1


@cache
def _busy_schedule() -> int:
    from schedules.models import Schedule

    return Schedule.objects.order_by("-places_taken").values_list("id", flat=True).first() or 1


@cache
def _first_organisation() -> int:
    from contacts.models import Organisation

    return Organisation.objects.order_by("id").values_list("id", flat=True).first() or 1


def _list(**params) -> str:
    return "/bookings/?" + urlencode(params)


CASES = [
    Case("bookings list (full page)", "/bookings/", budget_ms=LIST_BUDGET_MS),
    Case("bookings list page 5 (HTMX)", _list(page=5), htmx=True, budget_ms=LIST_BUDGET_MS),
    *[
        Case(
            f"bookings search delegate {q!r} (HTMX)",
            _list(q=q),
            htmx=True,
            budget_ms=LIST_BUDGET_MS,
        )
        for q in NAMES[:4]
    ],
    Case(
        "bookings search delegate: mixed names (HTMX)",
        lambda i: _list(q=NAMES[i % len(NAMES)]),
        htmx=True,
        requests=100,
        budget_ms=LIST_BUDGET_MS,
    ),
    Case("bookings filter status=cancelled", _list(status="cancelled"), budget_ms=LIST_BUDGET_MS),
    Case("bookings filter type=group", _list(kind="group"), budget_ms=LIST_BUDGET_MS),
    Case(
        "bookings filter organisation 'ltd'", _list(organisation="ltd"), budget_ms=LIST_BUDGET_MS
    ),  # fmt: skip
    Case(
        "bookings filter organisation id",
        lambda i: _list(organisation_id=_first_organisation()),
        budget_ms=LIST_BUDGET_MS,
    ),
    Case(
        "bookings filter schedule dates (one month)",
        _list(starts_from="2026-03-01", starts_to="2026-03-31"),
        budget_ms=LIST_BUDGET_MS,
    ),
    Case(
        "bookings filter schedule dates (one year)",
        _list(starts_from="2025-01-01", starts_to="2025-12-31"),
        budget_ms=LIST_BUDGET_MS,
    ),
    Case(
        "bookings search + status + type",
        _list(q="smith", status="confirmed", kind="group"),
        budget_ms=LIST_BUDGET_MS,
    ),
    Case(
        "booking detail (rotating ids)",
        lambda i: f"/bookings/{_booking_ids()[i % len(_booking_ids())]}/",
        requests=100,
        budget_ms=LIST_BUDGET_MS,
    ),
    Case(
        "contact's bookings (busiest contact)",
        lambda i: f"/bookings/contact/{_busy_contact()}/",
        htmx=True,
        budget_ms=LIST_BUDGET_MS,
    ),
    Case(
        "contact's bookings: search Schedule ID",
        lambda i: f"/bookings/contact/{_busy_contact()}/?schedule=FAW",
        htmx=True,
        budget_ms=LIST_BUDGET_MS,
    ),
    Case(
        "attendance register (busiest schedule)",
        lambda i: f"/bookings/schedule/{_busy_schedule()}/register/",
        htmx=True,
        budget_ms=LIST_BUDGET_MS,
    ),
    Case(
        "Create a new booking: Select a schedule step",
        "/bookings/new/?kind=individual&student=1&when=current",
        budget_ms=LIST_BUDGET_MS,
    ),
]
