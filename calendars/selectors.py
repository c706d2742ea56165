"""Shared reads of calendars: which a user sees and ticked, busy blocks, clashes, pushes due."""

import datetime
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from core.access import has

from .models import (
    EXTERNAL_KINDS,
    BusyBlock,
    Calendar,
    CalendarPush,
    CalendarSelection,
    PushState,
)


def calendars_for(user) -> QuerySet[Calendar]:
    """The calendars `user` may list and tick: every one for those who see bookings or manage
    calendars; a provider sees their own (their staff calendar and their external ones)."""
    qs = Calendar.objects.select_related("owner", "venue").order_by("kind", "name", "pk")
    if not (user and user.is_authenticated):
        return qs.none()
    if has(user, "view_bookings") or has(user, "manage_calendars"):
        return qs
    if has(user, "view_backoffice"):
        return qs.filter(owner=user)
    return qs.none()


def ticked_ids(user) -> list[int] | None:
    """The ids `user` ticked, or None when they never chose (then: all they see)."""
    if not (user and user.is_authenticated):
        return []
    selection = CalendarSelection.objects.filter(user=user).first()
    return None if selection is None else [int(i) for i in selection.calendar_ids]


def ticked_calendars(user) -> list[Calendar]:
    """The calendars whose events the calendar pages show for `user` (the filter's ticks)."""
    visible = calendars_for(user)
    ids = ticked_ids(user)
    if ids is None:
        return list(visible)
    return list(visible.filter(pk__in=ids))


def busy_blocks(
    calendars: Iterable[Calendar | int], start: datetime.datetime, end: datetime.datetime
) -> QuerySet[BusyBlock]:
    """Busy blocks of these calendars overlapping [start, end), in time order."""
    ids = [c if isinstance(c, int) else c.pk for c in calendars]
    return (
        BusyBlock.objects.filter(calendar_id__in=ids, starts_at__lt=end, ends_at__gt=start)
        .select_related("calendar")
        .order_by("starts_at", "pk")
    )


def clashes(
    *,
    staff=None,
    venue=None,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
) -> list[BusyBlock]:
    """Busy blocks of the external calendars of this staff member or venue that overlap
    [starts_at, ends_at): what the calendar pages warn about before "Confirm Booking"."""
    who = Q()
    if staff is not None:
        who |= Q(calendar__owner=staff)
    if venue is not None:
        who |= Q(calendar__venue=venue)
    if not who:
        return []
    return list(
        BusyBlock.objects.filter(who, calendar__kind__in=EXTERNAL_KINDS)
        .filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
        .select_related("calendar")
        .order_by("starts_at", "pk")
    )


def calendars_due(now: datetime.datetime | None = None, limit: int = 200) -> list[int]:
    """External calendars whose next read is due."""
    now = now or timezone.now()
    return list(
        Calendar.objects.filter(kind__in=EXTERNAL_KINDS, next_sync_at__lte=now)
        .exclude(url="")
        .order_by("next_sync_at")
        .values_list("pk", flat=True)[:limit]
    )


SWEEP_GRACE = datetime.timedelta(minutes=2)
SENDING_TIMEOUT = datetime.timedelta(minutes=10)


def pushes_due(now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """Pending pushes well past their next attempt, and pushes stuck in "sending"."""
    now = now or timezone.now()
    return list(
        CalendarPush.objects.filter(
            Q(state=PushState.PENDING, next_attempt_at__lte=now - SWEEP_GRACE)
            | Q(state=PushState.SENDING, last_attempt_at__lte=now - SENDING_TIMEOUT)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def _count(model, state: str | None = None):
    from django.db.models import Count, IntegerField, OuterRef, Subquery

    rows = model.objects.filter(calendar=OuterRef("pk"))
    if state is not None:
        rows = rows.filter(state=state)
    counted = rows.order_by().values("calendar").annotate(n=Count("pk")).values("n")
    return Subquery(counted, output_field=IntegerField())


def calendar_list() -> QuerySet[Calendar]:
    """The Calendars page: every calendar with its owner, venue, pushes and busy blocks counted
    (one query; each count a subquery, so they do not multiply each other)."""
    return (
        Calendar.objects.select_related("owner", "venue")
        .annotate(
            pushes_pending=_count(CalendarPush, PushState.PENDING),
            pushes_failed=_count(CalendarPush, PushState.FAILED),
            blocks=_count(BusyBlock),
        )
        .order_by("kind", "name", "pk")
    )


def booking_filter(calendars: Iterable[Calendar]) -> Q:
    """The course bookings the ticked staff / venue calendars show, as a filter on
    `bookings.Booking` (nothing ticked: matches nothing)."""
    calendars = list(calendars)
    staff = [c.owner_id for c in calendars if c.kind == "staff" and c.owner_id]
    venues = [c.venue_id for c in calendars if c.kind == "venue" and c.venue_id]
    if not staff and not venues:
        return Q(pk__in=[])
    return Q(schedule__trainer_id__in=staff) | Q(schedule__venue_id__in=venues)


def appointment_filter(calendars: Iterable[Calendar]) -> Q:
    """The appointment bookings the ticked staff calendars show, as a filter on
    `appointments.AppointmentBooking`."""
    staff = [c.owner_id for c in calendars if c.kind == "staff" and c.owner_id]
    return Q(timeslot__staff_id__in=staff) if staff else Q(pk__in=[])
