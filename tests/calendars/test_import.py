"""Importing external calendars into busy blocks (time frozen; real HTTP and a real CalDAV).

The weekly event runs Thursdays 09:00-10:00 London time through 2027, across both clock
changes (BST from Sun 28 March, GMT again from Sun 31 October), with an EXDATE, an RDATE,
an instance moved by a RECURRENCE-ID override and one cancelled by another.
"""

import datetime
import http.server
import threading

import httpx
import pytest
import time_machine
from django.utils import timezone

from calendars.imports import calendar_refresh
from calendars.models import BusyBlock, Calendar, CalendarKind
from calendars.selectors import busy_blocks, clashes
from tests.appointments.factories import staff_member

from .conftest import PASSWORD, USER
from .factories import ExternalCalendarFactory

pytestmark = [pytest.mark.django_db]
UTC = datetime.UTC
NOW = datetime.datetime(2027, 1, 10, 12, 0, tzinfo=UTC)

VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/London
BEGIN:DAYLIGHT
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
TZNAME:BST
DTSTART:19700329T010000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
TZNAME:GMT
DTSTART:19701025T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""

WEEKLY = """BEGIN:VEVENT
UID:weekly-1@example.org
DTSTAMP:20270101T000000Z
SUMMARY:Team meeting
DTSTART;TZID=Europe/London:20270107T090000
DTEND;TZID=Europe/London:20270107T100000
RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20271231T235959Z
EXDATE;TZID=Europe/London:20270318T090000
RDATE;TZID=Europe/London:20270606T110000
END:VEVENT
BEGIN:VEVENT
UID:weekly-1@example.org
DTSTAMP:20270101T000000Z
RECURRENCE-ID;TZID=Europe/London:20270401T090000
SUMMARY:Team meeting (moved)
DTSTART;TZID=Europe/London:20270402T140000
DTEND;TZID=Europe/London:20270402T150000
END:VEVENT
BEGIN:VEVENT
UID:weekly-1@example.org
DTSTAMP:20270101T000000Z
RECURRENCE-ID;TZID=Europe/London:20270506T090000
STATUS:CANCELLED
SUMMARY:Team meeting
DTSTART;TZID=Europe/London:20270506T090000
DTEND;TZID=Europe/London:20270506T100000
END:VEVENT"""

OTHERS = """BEGIN:VEVENT
UID:free-1@example.org
DTSTAMP:20270101T000000Z
SUMMARY:Working from home
TRANSP:TRANSPARENT
DTSTART:20270120T090000Z
DTEND:20270120T170000Z
END:VEVENT
BEGIN:VEVENT
UID:gone-1@example.org
DTSTAMP:20270101T000000Z
SUMMARY:Called off
STATUS:CANCELLED
DTSTART:20270121T090000Z
DTEND:20270121T170000Z
END:VEVENT
BEGIN:VEVENT
UID:booking-77@example.test
DTSTAMP:20270101T000000Z
SUMMARY:Our own pushed booking, read back
DTSTART:20270122T090000Z
DTEND:20270122T170000Z
END:VEVENT"""


def feed(*events: str, extra: str = "") -> bytes:
    body = "\n".join(events)
    text = (
        f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{extra}{VTIMEZONE}\n{body}\n"
        "END:VCALENDAR\n"
    )
    return text.replace("\n", "\r\n").encode()


class FeedServer:
    """A real HTTP server on 127.0.0.1 serving `body` (and `status`) at any path."""

    def __init__(self):
        self.body, self.status = b"", 200
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(server.status)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/feed.ics"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def feed_server():
    server = FeedServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def local_starts(calendar) -> list[str]:
    london = timezone.get_default_timezone()
    return [
        b.starts_at.astimezone(london).strftime("%Y-%m-%d %H:%M")
        for b in BusyBlock.objects.filter(calendar=calendar).order_by("starts_at")
    ]


@time_machine.travel(NOW, tick=False)
def test_weekly_event_across_both_clock_changes_with_exdate_rdate_and_overrides(feed_server):
    feed_server.body = feed(WEEKLY, OTHERS, extra="REFRESH-INTERVAL;VALUE=DURATION:PT2H\n")
    calendar = ExternalCalendarFactory(url=feed_server.url)
    assert calendar_refresh(calendar_id=calendar.pk) == "ok"

    starts = local_starts(calendar)
    assert starts[0] == "2027-01-07 09:00" and starts[-1] == "2027-12-30 09:00"
    # Every Thursday at 09:00 London time, in GMT and in BST alike.
    assert "2027-03-25 09:00" in starts and "2027-04-08 09:00" in starts
    assert "2027-10-28 09:00" in starts and "2027-11-04 09:00" in starts
    blocks = {b.starts_at: b for b in BusyBlock.objects.filter(calendar=calendar)}
    assert datetime.datetime(2027, 4, 8, 8, 0, tzinfo=UTC) in blocks  # 09:00 BST
    assert datetime.datetime(2027, 11, 4, 9, 0, tzinfo=UTC) in blocks  # 09:00 GMT
    assert "2027-03-18 09:00" not in starts  # EXDATE
    assert "2027-04-01 09:00" not in starts  # moved...
    assert "2027-04-02 14:00" in starts  # ...here
    assert "2027-05-06 09:00" not in starts  # that instance cancelled
    assert "2027-06-06 11:00" in starts  # RDATE
    summaries = {b.summary for b in blocks.values()}
    assert summaries == {"Team meeting", "Team meeting (moved)"}  # no free, cancelled, ours
    # 1 hour long everywhere, also across the change.
    assert {b.ends_at - b.starts_at for b in blocks.values()} == {datetime.timedelta(hours=1)}
    calendar.refresh_from_db()
    assert calendar.last_error == "" and calendar.last_synced_at == NOW
    assert calendar.feed_ttl_seconds == 7200
    assert calendar.next_sync_at == NOW + datetime.timedelta(hours=2)


@time_machine.travel(NOW, tick=False)
def test_transparent_events_count_when_the_calendar_says_so(feed_server):
    feed_server.body = feed(OTHERS)
    calendar = ExternalCalendarFactory(url=feed_server.url, count_transparent=True)
    calendar_refresh(calendar_id=calendar.pk)
    assert local_starts(calendar) == ["2027-01-20 09:00"]


@time_machine.travel(NOW, tick=False)
def test_a_broken_feed_keeps_the_old_blocks_and_records_the_error(feed_server):
    feed_server.body = feed(WEEKLY)
    calendar = ExternalCalendarFactory(url=feed_server.url)
    calendar_refresh(calendar_id=calendar.pk)
    before = local_starts(calendar)
    assert before

    feed_server.body = feed(WEEKLY)[:-40]  # cut off: no END:VCALENDAR
    error = calendar_refresh(calendar_id=calendar.pk)
    assert error != "ok"
    assert local_starts(calendar) == before
    calendar.refresh_from_db()
    assert calendar.last_error == error

    feed_server.status = 500
    assert "500" in calendar_refresh(calendar_id=calendar.pk)
    assert local_starts(calendar) == before


@time_machine.travel(NOW, tick=False)
def test_x_wr_timezone_only_feed_lands_at_its_local_time(feed_server):
    feed_server.body = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//g//EN\r\nX-WR-TIMEZONE:America/New_York\r\n"
        b"BEGIN:VEVENT\r\nUID:ny@example.org\r\nDTSTAMP:20270101T000000Z\r\n"
        b"DTSTART:20270315T090000\r\nDTEND:20270315T100000\r\nSUMMARY:NY call\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    calendar = ExternalCalendarFactory(url=feed_server.url)
    calendar_refresh(calendar_id=calendar.pk)
    [block] = BusyBlock.objects.filter(calendar=calendar)
    assert block.starts_at == datetime.datetime(2027, 3, 15, 13, 0, tzinfo=UTC)  # 09:00 EDT


def test_caldav_collection_is_read_and_clashes_found(radicale):
    url = radicale.new_collection()
    put = httpx.put(
        url + "weekly.ics",
        content=feed(WEEKLY),
        auth=(USER, PASSWORD),
        headers={"Content-Type": "text/calendar"},
    )
    assert put.status_code == 201
    staff = staff_member("Tom")
    from calendars.crypto import encrypt

    calendar = Calendar.objects.create(
        kind=CalendarKind.CALDAV,
        name="Tom's diary",
        owner=staff,
        url=url,
        username=USER,
        password_encrypted=encrypt(PASSWORD),
    )
    with time_machine.travel(NOW, tick=False):
        assert calendar_refresh(calendar_id=calendar.pk) == "ok"
    assert "2027-04-08 09:00" in local_starts(calendar)

    meeting = datetime.datetime(2027, 4, 8, 8, 30, tzinfo=UTC)
    found = clashes(staff=staff, starts_at=meeting, ends_at=meeting + datetime.timedelta(hours=2))
    assert [b.summary for b in found] == ["Team meeting"]
    assert clashes(staff=staff_member("Ann"), starts_at=meeting, ends_at=meeting) == []
    week = busy_blocks([calendar], meeting, meeting + datetime.timedelta(days=6))
    assert len(week) == 1
