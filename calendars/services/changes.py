"""`booking_changed`: the one call other apps make when a booking's event may have changed.

It writes, in the caller's transaction, what the CalDAV pushes need (the booking's
`EventRecord` with its SEQUENCE, one pending `CalendarPush` per CalDAV collection concerned) and
enqueues the sender after commit, as `notifications.email_queue` does for emails. A rollback
pushes nothing; a broker that is down leaves the rows pending for `push_sweep`.
"""

import logging
import time
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from appointments.models import AppointmentBooking
from bookings.models import Booking, BookingStatus
from core.audit import audit_record
from core.transactions import service_atomic

from ..events import Event, event_for
from ..models import OWN_KINDS, Calendar, CalendarKind, CalendarPush, EventRecord, PushState

log = logging.getLogger(__name__)

_broker_skip_until = 0.0


def _enqueue(push_ids: list[int]) -> None:
    """After commit: hand the pushes to Celery. A broker that is down is a warning, never an
    error page; the rows stay pending and the sweep sends them (and this process leaves the
    broker alone for OUTBOX_BROKER_BACKOFF seconds, like the email outbox)."""
    global _broker_skip_until
    from ..tasks import push_send

    if time.monotonic() < _broker_skip_until:
        return
    for push_id in push_ids:
        try:
            push_send.delay(push_id)
        except Exception:
            log.warning("Calendar push %s not enqueued; the sweep will send it", push_id)
            backoff = float(getattr(settings, "OUTBOX_BROKER_BACKOFF", 30.0))
            _broker_skip_until = time.monotonic() + backoff
            return


def broker_reset() -> None:
    global _broker_skip_until
    _broker_skip_until = 0.0


def _concerned(obj: Booking | AppointmentBooking) -> list[int]:
    """Ids of the CalDAV push calendars this booking is on now or was pushed to (one query)."""
    if isinstance(obj, Booking):
        now = Q(kind=CalendarKind.STAFF, owner__schedules_trained__bookings=obj.pk) | Q(
            kind=CalendarKind.VENUE, venue__schedule__bookings=obj.pk
        )
        before = Q(push_rows__event__booking=obj.pk)
    else:
        now = Q(kind=CalendarKind.STAFF, owner__timeslots__bookings=obj.pk)
        before = Q(push_rows__event__appointment=obj.pk)
    return list(
        Calendar.objects.filter((now & ~Q(url="")) | before)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def _record_for(event: Event, obj, *, significant: bool) -> tuple[EventRecord, bool]:
    record = EventRecord.objects.select_for_update().filter(uid=event.uid).first()
    fingerprint = event.fingerprint()
    if record is None:
        source = {"booking": obj} if isinstance(obj, Booking) else {"appointment": obj}
        return EventRecord.objects.create(uid=event.uid, fingerprint=fingerprint, **source), True
    if record.fingerprint != fingerprint:
        if significant:
            record.sequence += 1
        record.fingerprint = fingerprint
        record.save(update_fields=["sequence", "fingerprint", "updated_at"])
    return record, False


def _mark_pending(record: EventRecord, calendar_ids: list[int]) -> list[int]:
    now = timezone.now()
    have = set(
        CalendarPush.objects.filter(event=record, calendar_id__in=calendar_ids).values_list(
            "calendar_id", flat=True
        )
    )
    # A push being sent keeps "sending": its delivery records the ETag it got and, seeing the
    # version moved on, leaves the row pending and sends it again (services.push).
    CalendarPush.objects.filter(event=record, calendar_id__in=have).update(
        version=F("version") + 1,
        state=Case(
            When(state=PushState.SENDING, then=Value(PushState.SENDING)),
            default=Value(PushState.PENDING),
        ),
        attempts=0,
        next_attempt_at=now,
    )
    CalendarPush.objects.bulk_create(
        [CalendarPush(calendar_id=c, event=record) for c in calendar_ids if c not in have]
    )
    return list(
        CalendarPush.objects.filter(event=record, calendar_id__in=calendar_ids).values_list(
            "pk", flat=True
        )
    )


def booking_changed(
    obj: Booking | AppointmentBooking, significant: bool = True, *, created: bool = False
) -> EventRecord | None:
    """A course booking or appointment booking was created, moved, changed or cancelled.

    Safe to call inside any service transaction, after its writes. One query and nothing else
    when no CalDAV calendar concerns the booking. Otherwise: SEQUENCE + 1 when `significant`
    and its time, place or STATUS changed; a push marked pending for every collection it is on
    now or was pushed to before (a booking moved to another trainer's or room's calendar is
    sent there and sent CANCELLED to the old one); the sender enqueued after commit. With
    `created=True` (the booking was just made) a confirmed booking becomes "confirming" until
    its pushes succeed (SPEC 7: "status confirming until pushed").
    """
    calendar_ids = _concerned(obj)
    if not calendar_ids:
        return None
    with service_atomic():
        event = event_for(obj)
        if event is None:
            return None
        record, _ = _record_for(event, obj, significant=significant)
        push_ids = _mark_pending(record, calendar_ids)
        if created and obj.status == BookingStatus.CONFIRMED:
            type(obj).objects.filter(pk=obj.pk, status=BookingStatus.CONFIRMED).update(
                status=BookingStatus.CONFIRMING
            )
            obj.status = BookingStatus.CONFIRMING
            audit_record(
                actor=None,
                target=obj,
                action="calendar_confirming",
                summary="Confirming: being added to the calendars",
            )
        transaction.on_commit(partial(_enqueue, push_ids))
    return record


def schedule_changed(schedule) -> int:
    """A schedule's time or venue or trainer changed: every live booking on it has changed."""
    count = 0
    for booking in Booking.objects.filter(schedule=schedule).exclude(
        status=BookingStatus.CANCELLED
    ):
        if booking_changed(booking) is not None:
            count += 1
    return count


def calendar_push_all(calendar: Calendar, *, since=None) -> int:
    """A push calendar got (or changed) its collection: queue every event it shows from a
    month ago on (nothing else changes; SEQUENCE stays)."""
    from dateutil.relativedelta import relativedelta

    from ..events import calendar_events

    if calendar.kind not in OWN_KINDS or not calendar.url:
        return 0
    since = since or timezone.now() - relativedelta(months=1)
    push_ids: list[int] = []
    with service_atomic():
        for event in calendar_events(calendar, since):
            obj = (
                Booking(pk=event.booking_id)
                if event.booking_id
                else AppointmentBooking(pk=event.appointment_id)
            )
            record, _ = _record_for(event, obj, significant=False)
            push_ids += _mark_pending(record, [calendar.pk])
        transaction.on_commit(partial(_enqueue, push_ids))
    return len(push_ids)
