"""Reading external calendars into busy blocks.

The whole feed is fetched and parsed, and every instance in the window worked out, before the
calendar's busy blocks are replaced in one transaction: a feed that cannot be read or parsed
keeps the blocks it had and records the error on the calendar.

Recurring events are expanded by `recurring-ical-events` (RRULE, RDATE, EXDATE, RECURRENCE-ID
overrides, each in its own TZID); a feed that only names its zone in X-WR-TIMEZONE (Google
exports) is first rewritten to real TZIDs by `x-wr-timezone`. Cancelled events and instances
are dropped; TRANSP:TRANSPARENT ("free") events count only where the calendar says so. Our own
pushed events (UID booking-…/appointment-…@SITE_DOMAIN) read back from a collection are skipped:
they are bookings, not clashes with them.
"""

import datetime
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from appointments.recurrence import window_end

from .dav import Collection, FetchError, fetch_ics
from .models import BusyBlock, Calendar, CalendarKind

log = logging.getLogger(__name__)
UTC = datetime.UTC
MIN_REFRESH = 5 * 60
MAX_REFRESH = 24 * 3600


@dataclass(frozen=True)
class Parsed:
    blocks: list[BusyBlock]
    ttl_seconds: int | None


def sync_window(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """From a month ago to the end of the 13-month window (appointments.recurrence)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    today = now.astimezone(zone).date()
    start = now - relativedelta(months=1)
    end = datetime.datetime.combine(window_end(today), datetime.time(), tzinfo=zone)
    return start, end + datetime.timedelta(days=1)


def _as_utc(value, zone: ZoneInfo) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:  # floating time: the site's wall clock
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    # An all-day date: that local day from midnight.
    return datetime.datetime.combine(value, datetime.time(), tzinfo=zone).astimezone(UTC)


def _ttl(cal: icalendar.Calendar) -> int | None:
    for name in ("REFRESH-INTERVAL", "X-PUBLISHED-TTL"):
        value = cal.get(name)
        if value is None:
            continue
        try:
            duration = icalendar.vDuration.from_ical(str(value.to_ical().decode()))
        except (ValueError, AttributeError):
            try:
                duration = icalendar.vDuration.from_ical(str(value))
            except ValueError:
                continue
        seconds = int(duration.total_seconds())
        if seconds > 0:
            return seconds
    return None


def _own_uid(uid: str) -> bool:
    suffix = "@" + settings.SITE_DOMAIN
    return uid.endswith(suffix) and uid.startswith(("booking-", "appointment-"))


def parse_busy(
    texts: list[bytes],
    *,
    calendar: Calendar,
    start: datetime.datetime,
    end: datetime.datetime,
) -> Parsed:
    """Busy blocks of `calendar` between `start` and `end` from its iCalendar text(s).

    Several texts (one per CalDAV object) are joined into one calendar first, so overrides
    stored beside their series and time zones shared between objects still apply.
    Raises ValueError when a text is not iCalendar.
    """
    zone = ZoneInfo(settings.TIME_ZONE)
    if len(texts) == 1:
        cal = icalendar.Calendar.from_ical(texts[0])
    else:
        cal = icalendar.Calendar()
        cal.add("prodid", "-//Training Desk//import//EN")
        cal.add("version", "2.0")
        zones: set[str] = set()
        for text in texts:
            part = icalendar.Calendar.from_ical(text)
            for component in part.subcomponents:
                if component.name == "VTIMEZONE":
                    tzid = str(component.get("TZID"))
                    if tzid in zones:
                        continue
                    zones.add(tzid)
                cal.add_component(component)
    if not isinstance(cal, icalendar.Calendar) or cal.name != "VCALENDAR":
        raise ValueError("Not an iCalendar feed")
    ttl = _ttl(cal)
    cal = x_wr_timezone.to_standard(cal)
    blocks = []
    for ev in recurring_ical_events.of(cal).between(start, end):
        if str(ev.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if str(ev.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT" and not (
            calendar.count_transparent
        ):
            continue
        uid = str(ev.get("UID", ""))
        if _own_uid(uid):
            continue
        dtstart = ev.get("DTSTART")
        if dtstart is None:
            continue
        starts = _as_utc(dtstart.dt, zone)
        if ev.get("DTEND") is not None:
            ends = _as_utc(ev["DTEND"].dt, zone)
        elif ev.get("DURATION") is not None:
            ends = starts + ev["DURATION"].dt
        elif isinstance(dtstart.dt, datetime.datetime):
            ends = starts  # RFC 5545: a point in time
        else:
            ends = _as_utc(dtstart.dt + datetime.timedelta(days=1), zone)
        blocks.append(
            BusyBlock(
                calendar=calendar,
                starts_at=starts,
                ends_at=max(ends, starts),
                summary=str(ev.get("SUMMARY", ""))[:300],
                uid=uid[:500],
            )
        )
    return Parsed(blocks=blocks, ttl_seconds=ttl)


def refresh_interval(calendar: Calendar) -> int:
    """Seconds until the next read: the admin's, else the feed's, else the default."""
    if calendar.refresh_minutes:
        seconds = calendar.refresh_minutes * 60
    elif calendar.feed_ttl_seconds:
        seconds = calendar.feed_ttl_seconds
    else:
        seconds = int(getattr(settings, "CALENDAR_REFRESH_DEFAULT", 3600))
    return max(MIN_REFRESH, min(MAX_REFRESH, seconds))


def _read(calendar: Calendar) -> list[bytes]:
    if calendar.kind == CalendarKind.CALDAV:
        import httpx

        try:
            with Collection(calendar) as collection:
                return collection.report()
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}") from exc
    return [fetch_ics(calendar)]


def calendar_refresh(*, calendar_id: int, now: datetime.datetime | None = None) -> str:
    """Read one external calendar now and replace its busy blocks; returns "ok" or the error.

    Network and parsing happen with no transaction open; the replacement is one short
    transaction that locks the calendar row (two refreshes of one calendar take turns).
    """
    now = now or timezone.now()
    calendar = Calendar.objects.filter(pk=calendar_id, kind__in=["ics", "caldav"]).first()
    if calendar is None:
        return "gone"
    start, end = sync_window(now)
    try:
        parsed = parse_busy(_read(calendar), calendar=calendar, start=start, end=end)
    except Exception as exc:  # network, HTTP status, not iCalendar, a broken rule...
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if not isinstance(exc, FetchError | ValueError):
            log.exception("Calendar %s could not be read", calendar_id)
        calendar.last_error = error
        Calendar.objects.filter(pk=calendar_id).update(
            last_attempt_at=now,
            last_error=error,
            next_sync_at=now + datetime.timedelta(seconds=refresh_interval(calendar)),
        )
        return error
    calendar.feed_ttl_seconds = parsed.ttl_seconds
    with transaction.atomic():
        if not Calendar.objects.select_for_update().filter(pk=calendar_id).exists():
            return "gone"
        BusyBlock.objects.filter(calendar_id=calendar_id).delete()
        BusyBlock.objects.bulk_create(parsed.blocks, batch_size=1000)
        Calendar.objects.filter(pk=calendar_id).update(
            feed_ttl_seconds=parsed.ttl_seconds,
            last_synced_at=now,
            last_attempt_at=now,
            last_error="",
            next_sync_at=now + datetime.timedelta(seconds=refresh_interval(calendar)),
        )
    return "ok"
