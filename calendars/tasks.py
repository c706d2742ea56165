"""Thin Celery wrappers: they take ids and call the services."""

import logging

from celery import shared_task
from django.conf import settings

from .imports import calendar_refresh
from .selectors import calendars_due, pushes_due
from .services import Outcome, push_deliver

log = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=settings.CALENDAR_PUSH_MAX_ATTEMPTS)
def push_send(self, push_id: int) -> str:
    """Send one CalDAV push; on a network or server error, retry with backoff (the row owns
    the attempt count, as the email outbox's). Eager mode never retries in-process."""
    result = push_deliver(push_id=push_id)
    if result.outcome == Outcome.RETRY and not self.request.is_eager:
        raise self.retry(exc=result.error, countdown=result.retry_in)
    return result.outcome


@shared_task
def push_sweep() -> int:
    """Beat, every minute: enqueue pushes that are overdue (broker was down, worker died)."""
    sent = 0
    for push_id in pushes_due():
        try:
            push_send.delay(push_id)
        except Exception:
            log.exception("Calendar push sweep could not enqueue push %s", push_id)
            break
        sent += 1
    return sent


@shared_task(acks_late=True)
def calendar_refresh_task(calendar_id: int) -> str:
    return calendar_refresh(calendar_id=calendar_id)


@shared_task
def calendars_refresh_due() -> int:
    """Beat, every 5 minutes: read the external calendars whose interval has passed."""
    count = 0
    for calendar_id in calendars_due():
        try:
            calendar_refresh_task.delay(calendar_id)
        except Exception:
            log.exception("Could not enqueue the refresh of calendar %s", calendar_id)
            break
        count += 1
    return count
