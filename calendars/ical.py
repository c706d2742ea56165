"""iCalendar text of our events (icalendar): the feed of a calendar and one pushed object.

Stored and published objects carry no METHOD (RFC 4791 5.3.2: a calendar object resource
MUST NOT have one; a subscribed feed is not an iTIP message either). Times are UTC.
"""

import datetime
from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.utils import timezone

from .events import Event

UTC = datetime.UTC
PRODID = "-//Training Desk//Calendars//EN"
# Subscribers are asked to read a feed again every 15 minutes.
FEED_REFRESH = datetime.timedelta(minutes=15)

# The properties of a pushed event that are ours: a merge with a copy changed on the server
# re-applies these and keeps everything else (alarms, categories, notes added there).
OWNED = ("DTSTART", "DTEND", "DURATION", "RDATE", "SUMMARY", "LOCATION", "STATUS", "SEQUENCE")


def vevent(event: Event, dtstamp: datetime.datetime, *, cancelled: bool = False) -> icalendar.Event:
    ev = icalendar.Event()
    ev.add("uid", event.uid)
    ev.add("dtstamp", dtstamp)
    _set_owned(ev, event, cancelled=cancelled)
    if event.description:
        ev.add("description", event.description)
    return ev


def _set_owned(ev: icalendar.Event, event: Event, *, cancelled: bool) -> None:
    for name in OWNED:
        ev.pop(name, None)
    ev.add("dtstart", event.starts_at.astimezone(UTC))
    ev.add("dtend", event.ends_at.astimezone(UTC))
    if event.rdates:
        ev.add("rdate", [d.astimezone(UTC) for d in event.rdates])
    ev.add("summary", event.summary)
    if event.location:
        ev.add("location", event.location)
    ev.add("status", "CANCELLED" if cancelled else event.status)
    ev.add("sequence", event.sequence)


def _calendar(name: str = "") -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", name)
    return cal


def feed_ics(name: str, events: Iterable[Event], now: datetime.datetime | None = None) -> bytes:
    """The whole feed of one calendar."""
    now = (now or timezone.now()).astimezone(UTC)
    cal = _calendar(name)
    cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", FEED_REFRESH)
    for event in events:
        cal.add_component(vevent(event, now))
    return cal.to_ical()


def object_ics(event: Event, *, cancelled: bool = False, now=None) -> bytes:
    """One calendar object resource (a CalDAV PUT body): one VEVENT, no METHOD."""
    cal = _calendar()
    cal.add_component(vevent(event, (now or timezone.now()).astimezone(UTC), cancelled=cancelled))
    return cal.to_ical()


def merged_ics(server_text: bytes | str, event: Event, *, cancelled: bool, sequence: int) -> bytes:
    """The server's copy of our object with our time, place and status re-applied.

    Everything the other side added (alarms, categories, a description, other properties) is
    kept; a copy that lost our VEVENT gets it back.
    """
    cal = icalendar.Calendar.from_ical(server_text)
    cal.pop("METHOD", None)
    ours = None
    for component in cal.walk("VEVENT"):
        if str(component.get("UID", "")) == event.uid and "RECURRENCE-ID" not in component:
            ours = component
            break
    now = timezone.now().astimezone(UTC)
    if ours is None:
        cal.add_component(vevent(event, now, cancelled=cancelled))
        return cal.to_ical()
    replaced = Event(**{**event.__dict__, "sequence": sequence})
    _set_owned(ours, replaced, cancelled=cancelled)
    ours.pop("DTSTAMP", None)
    ours.add("dtstamp", now)
    if event.description and "DESCRIPTION" not in ours:
        ours.add("description", event.description)
    return cal.to_ical()


def server_sequence(server_text: bytes | str, uid: str) -> int | None:
    """The SEQUENCE of our VEVENT in the server's copy (None when it is not there)."""
    try:
        cal = icalendar.Calendar.from_ical(server_text)
    except ValueError:
        return None
    for component in cal.walk("VEVENT"):
        if str(component.get("UID", "")) == uid and "RECURRENCE-ID" not in component:
            return int(component.get("SEQUENCE", 0))
    return None


def site_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.TIME_ZONE)
