"""Sending one pending push to its CalDAV collection, idempotently.

The href is `<collection>/<uid>.ics`, the same on every attempt, so a retry can never make a
second object:

- no ETag stored yet: PUT with `If-None-Match: *`. 412 means the object is already there (our
  earlier PUT whose answer was lost, or someone else's): GET it, and update it with
  `If-Match: <its ETag>`, our properties re-applied onto the server's copy.
- an ETag stored: PUT with `If-Match: <stored ETag>`. 412 means the server's copy changed since
  we wrote it: GET it, merge ours onto it (their other properties kept), PUT with `If-Match`
  its new ETag, once; a second 412 is retried later. The change on the server is recorded on
  the push (`last_conflict`) and in the booking's history: never silently overwritten.
- 404 on an update (deleted on the server): created again with `If-None-Match: *`.

The row is claimed (pending -> sending) by one conditional UPDATE, the HTTP happens with no
lock held, and the outcome is written with the version the attempt sent: a change made
meanwhile leaves the row pending for the next attempt. When every push of a booking is
synced, a booking still "confirming" moves to "confirmed" through BOOKING_STATES.
"""

import datetime
import logging
import random
from dataclasses import dataclass
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from appointments.models import AppointmentBooking
from bookings.models import BOOKING_STATES, Booking, BookingStatus
from core.audit import audit_record

from ..dav import Collection, object_href
from ..events import event_for
from ..ical import merged_ics, object_ics, server_sequence
from ..models import CalendarPush, EventRecord, PushState

log = logging.getLogger(__name__)
SENDING_TIMEOUT = timedelta(minutes=10)


class Outcome:
    SYNCED = "synced"
    SKIPPED = "skipped"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class PushResult:
    outcome: str
    error: BaseException | None = None
    retry_in: float | None = None


class PushError(Exception):
    def __init__(self, message: str, *, transient: bool = True):
        super().__init__(message)
        self.transient = transient


def retry_delay(attempts: int) -> float:
    """Exponential backoff with jitter, as the email outbox (same settings)."""
    base = float(getattr(settings, "OUTBOX_RETRY_BACKOFF", 30.0))
    cap = float(getattr(settings, "OUTBOX_RETRY_BACKOFF_MAX", 600.0))
    return min(cap, base * 2 ** max(0, attempts - 1)) * random.uniform(0.5, 1.0)


def _claim(push_id: int, now) -> CalendarPush | None:
    claimable = Q(state=PushState.PENDING) | Q(
        Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=now - SENDING_TIMEOUT),
        state=PushState.SENDING,
    )
    claimed = (
        CalendarPush.objects.filter(claimable, pk=push_id)
        .order_by()
        .update(state=PushState.SENDING, attempts=F("attempts") + 1, last_attempt_at=now)
    )
    if not claimed:
        return None
    return CalendarPush.objects.select_related("calendar", "event").filter(pk=push_id).first()


def _status_error(step: str, status: int) -> PushError:
    # Wrong address, credentials or a refused body: retrying cannot fix it, a person must.
    transient = status >= 500 or status in (408, 409, 412, 423, 429)
    return PushError(f"{step} answered {status}", transient=transient)


@dataclass
class Sent:
    etag: str
    sequence: int
    conflict: str = ""


def _fetch(dav: Collection, href: str) -> tuple[str, bytes]:
    answer = dav.get(href)
    if answer.status != 200:
        raise _status_error("GET after 412", answer.status)
    return answer.etag, answer.text


def _etag_after(dav: Collection, href: str, etag: str) -> str:
    """The ETag the PUT answered, or the one a GET reads (servers may omit it)."""
    if etag:
        return etag
    answer = dav.get(href)
    return answer.etag if answer.status == 200 else ""


def _send(push: CalendarPush, event, *, cancelled: bool) -> Sent:
    href = push.href or object_href(push.calendar.url, event.uid)
    push.href = href
    with Collection(push.calendar) as dav:
        conflict = ""
        if push.etag:
            answer = dav.put(href, object_ics(event, cancelled=cancelled), if_match=push.etag)
            if answer.status in (200, 201, 204):
                return Sent(_etag_after(dav, href, answer.etag), event.sequence)
            if answer.status == 404:  # deleted on the server: create it again
                push.etag = ""
            elif answer.status == 412:
                conflict = "Changed on the calendar server since our last update"
            else:
                raise _status_error("PUT (update)", answer.status)
        if not push.etag and not conflict:
            answer = dav.put(href, object_ics(event, cancelled=cancelled), create=True)
            if answer.status in (200, 201, 204):
                return Sent(_etag_after(dav, href, answer.etag), event.sequence)
            if answer.status != 412:
                raise _status_error("PUT (create)", answer.status)
        # 412: the object is there (a lost answer, or a change made on the server): fetch it,
        # re-apply ours onto it, update it against its current ETag; once.
        etag, text = _fetch(dav, href)
        theirs = server_sequence(text, event.uid)
        sequence = max(event.sequence, theirs or 0)
        if not conflict and theirs is not None and theirs > (push.sent_sequence or 0):
            conflict = "Changed on the calendar server (its SEQUENCE went up)"
        body = merged_ics(text, event, cancelled=cancelled, sequence=sequence)
        answer = dav.put(href, body, if_match=etag)
        if answer.status in (200, 201, 204):
            return Sent(_etag_after(dav, href, answer.etag), sequence, conflict)
        raise _status_error("PUT (merged update)", answer.status)


def _confirm_if_done(record: EventRecord) -> None:
    """Every push of this booking synced: "confirming" -> "confirmed" (the states table)."""
    if CalendarPush.objects.filter(event=record).exclude(state=PushState.SYNCED).exists():
        return
    model = Booking if record.booking_id else AppointmentBooking
    pk = record.booking_id or record.appointment_id
    with transaction.atomic():
        booking = model.objects.select_for_update().filter(pk=pk).first()
        if booking is None or booking.status != BookingStatus.CONFIRMING:
            return
        BOOKING_STATES.check(booking.status, BookingStatus.CONFIRMED)
        model.objects.filter(pk=pk).update(status=BookingStatus.CONFIRMED)
        audit_record(
            actor=None,
            target=booking,
            action="calendar_confirmed",
            summary="Confirmed: added to the calendars",
        )


def push_deliver(*, push_id: int) -> PushResult:
    """Send one push now and record what happened (see the module docstring)."""
    now = timezone.now()
    push = _claim(push_id, now)
    if push is None:
        return PushResult(Outcome.SKIPPED)
    version = push.version
    record = push.event
    source = Booking(pk=record.booking_id) if record.booking_id else None
    source = source or AppointmentBooking(pk=record.appointment_id)
    try:
        event = event_for(source, record.sequence)
        if event is None:
            raise PushError("The booking no longer exists", transient=False)
        # Not (or no longer) on this calendar, or the calendar stopped pushing: cancel it there.
        withdrawn = not (push.calendar.pushes and event.concerns(push.calendar))
        if withdrawn and not push.etag and push.sent_sequence is None:
            sent = None  # never sent there: nothing to withdraw
        else:
            if not push.calendar.url:
                raise PushError("The calendar has no CalDAV collection", transient=False)
            sent = _send(push, event, cancelled=withdrawn)
    except (httpx.HTTPError, PushError) as exc:
        transient = getattr(exc, "transient", True)
        return _failed(push, exc, transient)
    except Exception as exc:  # a bug or bad data
        log.exception("Calendar push %s failed", push_id)
        return _failed(push, exc, False)
    done = timezone.now()
    fields = {
        "state": Case(
            When(version=version, then=Value(PushState.SYNCED)), default=Value(PushState.PENDING)
        ),
        "sent_version": version,
        "last_error": "",
        "synced_at": done,
        "href": push.href,
    }
    if sent is not None:
        fields.update(etag=sent.etag, sent_sequence=sent.sequence)
        if sent.conflict:
            fields["last_conflict"] = f"{done:%Y-%m-%d %H:%M} UTC: {sent.conflict}"
    CalendarPush.objects.filter(pk=push.pk, state=PushState.SENDING).update(**fields)
    if CalendarPush.objects.filter(pk=push.pk, state=PushState.PENDING).exists():
        # The booking changed while we were sending: send the newer version now.
        from .changes import _enqueue

        _enqueue([push.pk])
    if sent is not None and sent.sequence > record.sequence:
        EventRecord.objects.filter(pk=record.pk, sequence__lt=sent.sequence).update(
            sequence=sent.sequence
        )
    if sent is not None and sent.conflict:
        with transaction.atomic():
            audit_record(
                actor=None,
                target=source,
                action="calendar_conflict",
                summary=(
                    f"{push.calendar.name}: the event was changed on the calendar server; our "
                    "time, place and status were applied again and its other changes kept"
                ),
            )
    _confirm_if_done(record)
    return PushResult(Outcome.SYNCED)


def _failed(push: CalendarPush, error: BaseException, transient: bool) -> PushResult:
    max_attempts = int(getattr(settings, "CALENDAR_PUSH_MAX_ATTEMPTS", 8))
    give_up = not transient or push.attempts >= max_attempts
    delay = None if give_up else retry_delay(push.attempts)
    CalendarPush.objects.filter(pk=push.pk, state=PushState.SENDING).update(
        state=PushState.FAILED if give_up else PushState.PENDING,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=delay or 0),
        href=push.href,
        etag=push.etag,
    )
    log.warning("Calendar push %s attempt %s failed: %s", push.pk, push.attempts, error)
    return PushResult(Outcome.FAILED if give_up else Outcome.RETRY, error=error, retry_in=delay)
