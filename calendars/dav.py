"""The few HTTP requests calendar sync makes, with httpx.

httpx rather than the `caldav` library: pushes must send exactly `If-None-Match: *` on create
and `If-Match: <stored ETag>` on update and read the 412 / ETag answers themselves; caldav's
`save()` picks its own headers and hides the status. The tests read the collection back with
the caldav library, an independent client.
"""

import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import httpx
from django.conf import settings

from .crypto import decrypt
from .models import Calendar

ICS_TYPE = "text/calendar; charset=utf-8"
NS = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav"}
REPORT_BODY = b"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter>
    <C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter>
  </C:filter>
</C:calendar-query>"""
# Feeds bigger than this are refused rather than read into memory.
MAX_BYTES = 20 * 1024 * 1024


class FetchError(Exception):
    """The calendar could not be read (network, HTTP status, size, not a calendar)."""


@dataclass(frozen=True)
class Answer:
    status: int
    etag: str
    text: bytes


def _client(calendar: Calendar) -> httpx.Client:
    auth = None
    if calendar.username:
        auth = httpx.BasicAuth(calendar.username, decrypt(calendar.password_encrypted))
    return httpx.Client(
        auth=auth,
        timeout=float(getattr(settings, "CALENDAR_HTTP_TIMEOUT", 10)),
        follow_redirects=True,
        headers={"User-Agent": "TrainingDesk-Calendars/1"},
    )


def object_href(collection_url: str, uid: str) -> str:
    """`<collection>/<uid>.ics`, the UID percent-encoded (it holds an "@")."""
    return collection_url.rstrip("/") + "/" + urllib.parse.quote(uid, safe="") + ".ics"


class Collection:
    """A CalDAV collection, for pushes (put/get) and imports (report)."""

    def __init__(self, calendar: Calendar):
        self.calendar = calendar
        self.http = _client(calendar)

    def __enter__(self) -> "Collection":
        return self

    def __exit__(self, *exc) -> None:
        self.http.close()

    def put(self, href: str, body: bytes, *, if_match: str = "", create: bool = False) -> Answer:
        headers = {"Content-Type": ICS_TYPE}
        if create:
            headers["If-None-Match"] = "*"
        else:
            headers["If-Match"] = if_match
        r = self.http.put(href, content=body, headers=headers)
        return Answer(r.status_code, r.headers.get("ETag", ""), b"")

    def get(self, href: str) -> Answer:
        r = self.http.get(href)
        return Answer(r.status_code, r.headers.get("ETag", ""), r.content)

    def report(self) -> list[bytes]:
        """The calendar data of every event object in the collection."""
        r = self.http.request(
            "REPORT",
            self.calendar.url,
            content=REPORT_BODY,
            headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
        )
        if r.status_code != 207:
            raise FetchError(f"CalDAV REPORT answered {r.status_code}")
        if len(r.content) > MAX_BYTES:
            raise FetchError("The collection is too large")
        try:
            root = ET.fromstring(r.content)
        except ET.ParseError as exc:
            raise FetchError(f"Unreadable CalDAV answer: {exc}") from exc
        return [
            (node.text or "").encode()
            for node in root.iterfind(".//C:calendar-data", NS)
            if node.text and node.text.strip()
        ]


def fetch_ics(calendar: Calendar) -> bytes:
    """GET an ICS address (webcal:// read as https://)."""
    url = calendar.url
    if url.startswith("webcal://"):
        url = "https://" + url.removeprefix("webcal://")
    try:
        with _client(calendar) as http, http.stream("GET", url) as r:
            if r.status_code != 200:
                raise FetchError(f"The address answered {r.status_code}")
            chunks, size = [], 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise FetchError("The feed is too large")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from exc
