"""Managing calendars (capability manage_calendars) and a user's ticked calendars."""

import contextlib
import urllib.parse
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.access import has
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.roles import STAFF_ROLES
from core.transactions import service_atomic
from schedules.models import Venue

from ..crypto import encrypt
from ..models import (
    OWN_KINDS,
    Calendar,
    CalendarKind,
    CalendarPush,
    CalendarSelection,
    new_feed_token,
)
from .changes import calendar_push_all


def _check(actor: Actor, capability: str = "manage_calendars") -> None:
    if not has(actor, capability):
        raise PermissionDenied


def _check_url(url: str, *, required: bool) -> str:
    url = (url or "").strip()
    if not url:
        if required:
            raise DomainError("Give the calendar's address.", field="url")
        return ""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https", "webcal"):
        raise DomainError("The address must start with https:// (or http://).", field="url")
    return url


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the calendar a name.", field="name")
    if len(name) > 200:
        raise DomainError("The name is too long (200 characters at most).", field="name")
    return name


def calendar_create(
    *,
    actor: Actor,
    kind: str,
    name: str,
    url: str,
    username: str = "",
    password: str = "",
    owner=None,
    venue: Venue | None = None,
    count_transparent: bool = False,
    refresh_minutes: int | None = None,
) -> Calendar:
    """An external calendar (ICS address or CalDAV collection), read from now on."""
    _check(actor)
    if kind not in (CalendarKind.ICS, CalendarKind.CALDAV):
        raise DomainError("Only ICS addresses and CalDAV collections are added here.")
    with service_atomic():
        calendar = Calendar.objects.create(
            kind=kind,
            name=_name(name),
            url=_check_url(url, required=True),
            username=(username or "").strip()[:200],
            password_encrypted=encrypt(password),
            owner=owner,
            venue=venue,
            count_transparent=count_transparent,
            refresh_minutes=refresh_minutes,
            next_sync_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            target=calendar,
            action="calendar_created",
            summary=f"Calendar {calendar.name} added ({calendar.kind_label})",
        )
    transaction.on_commit(lambda: _refresh_soon(calendar.pk))
    return calendar


def _refresh_soon(calendar_id: int) -> None:
    from ..tasks import calendar_refresh_task

    # The broker is down: the beat task reads it when due.
    with contextlib.suppress(Exception):
        calendar_refresh_task.delay(calendar_id)


def calendar_update(
    *,
    actor: Actor,
    calendar: Calendar,
    name: str,
    url: str,
    username: str = "",
    password: str = "",
    clear_password: bool = False,
    owner=None,
    venue: Venue | None = None,
    count_transparent: bool = False,
    refresh_minutes: int | None = None,
) -> Calendar:
    """Edit a calendar. A blank password keeps the stored one (`clear_password` removes it).
    A staff or venue calendar's `url` is the CalDAV collection its bookings are pushed to;
    giving or changing it queues every event it shows from a month ago."""
    _check(actor)
    with service_atomic():
        locked = Calendar.objects.select_for_update().filter(pk=calendar.pk).first()
        if locked is None:
            raise DomainError("This calendar was removed meanwhile.")
        old_url = locked.url
        locked.name = _name(name)
        locked.url = _check_url(url, required=locked.is_external)
        locked.username = (username or "").strip()[:200]
        if password:
            locked.password_encrypted = encrypt(password)
        elif clear_password:
            locked.password_encrypted = ""
        if locked.is_external:
            locked.owner = owner
            locked.venue = venue
            locked.count_transparent = count_transparent
            locked.refresh_minutes = refresh_minutes
            locked.next_sync_at = timezone.now()
        locked.save()
        audit_record(
            actor=actor,
            target=locked,
            action="calendar_updated",
            summary=f"Calendar {locked.name} changed",
        )
        if locked.url != old_url:
            # Another collection: what we stored about objects in the old one means nothing.
            CalendarPush.objects.filter(calendar=locked).update(
                href="", etag="", sent_sequence=None
            )
        if locked.kind in OWN_KINDS and locked.url and locked.url != old_url:
            calendar_push_all(locked)
    if locked.is_external:
        transaction.on_commit(lambda: _refresh_soon(locked.pk))
    return locked


def calendar_delete(*, actor: Actor, calendar: Calendar) -> None:
    """Remove a calendar with its busy blocks, pushes and link (its history stays)."""
    _check(actor)
    with service_atomic():
        locked = Calendar.objects.select_for_update().filter(pk=calendar.pk).first()
        if locked is None:
            return
        audit_record(
            actor=actor,
            target=locked,
            action="calendar_deleted",
            summary=f"Calendar {locked.name} removed",
        )
        locked.delete()


def calendar_token_regenerate(*, actor: Actor, calendar: Calendar) -> Calendar:
    """ "Regenerate link": a new secret feed address; the old one answers 404 from now on."""
    _check(actor)
    with service_atomic():
        locked = Calendar.objects.select_for_update().filter(pk=calendar.pk).first()
        if locked is None:
            raise DomainError("This calendar was removed meanwhile.")
        locked.feed_token = new_feed_token()
        locked.save(update_fields=["feed_token"])
        audit_record(
            actor=actor,
            target=locked,
            action="calendar_link_regenerated",
            summary=f"Calendar {locked.name}: feed link regenerated (the old link is revoked)",
        )
    return locked


def calendar_for_staff(user) -> Calendar:
    """The staff member's calendar, created on demand."""
    found = Calendar.objects.filter(kind=CalendarKind.STAFF, owner=user).first()
    if found:
        return found
    name = user.get_full_name() or user.username
    try:
        with transaction.atomic():
            return Calendar.objects.create(kind=CalendarKind.STAFF, owner=user, name=name)
    except IntegrityError:  # created meanwhile
        return Calendar.objects.get(kind=CalendarKind.STAFF, owner=user)


def calendar_for_venue(venue: Venue) -> Calendar:
    """The venue's (room's) calendar, created on demand."""
    found = Calendar.objects.filter(kind=CalendarKind.VENUE, venue=venue).first()
    if found:
        return found
    try:
        with transaction.atomic():
            return Calendar.objects.create(kind=CalendarKind.VENUE, venue=venue, name=venue.name)
    except IntegrityError:
        return Calendar.objects.get(kind=CalendarKind.VENUE, venue=venue)


def calendars_sync_staff_and_venues(*, actor: Actor) -> int:
    """A calendar for every active staff member (any back-office role, or a trainer or
    timeslot holder) and every venue that has none yet; returns how many were made."""
    _check(actor)
    User = get_user_model()
    staff = (
        User.objects.filter(is_active=True)
        .filter(groups__name__in=STAFF_ROLES)
        .exclude(calendars__kind=CalendarKind.STAFF)
        .distinct()
    )
    trainers = User.objects.filter(schedules_trained__isnull=False).exclude(
        calendars__kind=CalendarKind.STAFF
    )
    providers = User.objects.filter(timeslots__isnull=False).exclude(
        calendars__kind=CalendarKind.STAFF
    )
    users = {u.pk: u for qs in (staff, trainers, providers) for u in qs}
    venues = Venue.objects.exclude(calendars__kind=CalendarKind.VENUE)
    made = 0
    for user in users.values():
        calendar_for_staff(user)
        made += 1
    for venue in venues:
        calendar_for_venue(venue)
        made += 1
    return made


def calendar_choice_set(*, actor: Actor, calendar_ids: Iterable[int]) -> list[int]:
    """The calendars `actor` ticked in the calendar filter (only ones they may see are kept)."""
    from ..selectors import calendars_for

    if not (actor and actor.is_authenticated):
        raise PermissionDenied
    wanted = {int(i) for i in calendar_ids}
    allowed = set(calendars_for(actor).filter(pk__in=wanted).values_list("pk", flat=True))
    ids = sorted(allowed)
    CalendarSelection.objects.update_or_create(user=actor, defaults={"calendar_ids": ids})
    return ids


def calendar_refresh_request(*, actor: Actor, calendar: Calendar) -> None:
    """ "Refresh now": the external calendar is read again as soon as a worker can."""
    _check(actor)
    Calendar.objects.filter(pk=calendar.pk).update(next_sync_at=timezone.now())
    transaction.on_commit(lambda: _refresh_soon(calendar.pk))


def push_retry_failed(*, actor: Actor, calendar: Calendar) -> int:
    """ "Push again": the calendar's failed pushes become pending and are sent."""
    from functools import partial

    from ..models import CalendarPush, PushState
    from .changes import _enqueue

    _check(actor)
    with service_atomic():
        ids = list(
            CalendarPush.objects.filter(calendar=calendar, state=PushState.FAILED).values_list(
                "pk", flat=True
            )
        )
        CalendarPush.objects.filter(pk__in=ids).update(
            state=PushState.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        transaction.on_commit(partial(_enqueue, ids))
    return len(ids)
