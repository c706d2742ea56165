"""Reads of the appointments app that pages and services share."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from ..models import Occurrence, Timeslot
from ..recurrence import local_today, window_end


def occurrences_in_range(
    timeslot: Timeslot,
    *,
    start: datetime.date,
    end: datetime.date | None,
    weekdays: list[int] | None = None,
    today: datetime.date | None = None,
    include_past: bool = False,
) -> list[Occurrence]:
    """The timeslot's occurrences from `start` to `end` (no end: the 13-month window), never
    past the window, on `weekdays` (None: all), not cancelled, not yet started unless
    `include_past`. Full ones are included (pages show them as full; the service refuses)."""
    today = today or local_today()
    last = window_end(today)
    if end is None or end > last:
        end = last
    if start > end:
        return []
    rows = Occurrence.objects.filter(
        timeslot=timeslot, date__gte=start, date__lte=end, cancelled=False
    ).order_by("date")
    if not include_past:
        rows = rows.filter(starts_at__gt=timezone.now())
    wanted = set(weekdays) if weekdays is not None and not timeslot.is_one_time else None
    return [o for o in rows if wanted is None or o.date.weekday() in wanted]


def timeslots_for_booking() -> QuerySet[Timeslot]:
    """Timeslots with what their rows show (staff, type, pricing) in the same query."""
    return Timeslot.objects.filter(archived=False).select_related(
        "staff", "appointment_type", "appointment_type__pricing_schedule", "pricing_schedule"
    )
