"""Thin Celery wrappers: they take ids and call the services."""

import logging

from celery import shared_task
from django.conf import settings

from .selectors import outbox_due_for_sweep
from .services import Outcome, outbox_deliver

log = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=settings.OUTBOX_MAX_ATTEMPTS)
def outbox_send(self, message_id: int) -> str:
    """Deliver one outbox message; on an SMTP or socket error, retry with backoff.

    The retry is explicit rather than Celery's `autoretry_for`, because the outbox row owns the
    attempt count (the sweep and the "Retry" button start deliveries too) and the backoff is
    read from settings at run time (OUTBOX_RETRY_BACKOFF / _MAX, seconds, with jitter).
    In eager mode (the embedded default) nothing is retried in-process: that would block the
    request; the row stays pending with its error for the sweep or a person.
    """
    result = outbox_deliver(message_id=message_id)
    if result.outcome == Outcome.RETRY and not self.request.is_eager:
        raise self.retry(exc=result.error, countdown=result.retry_in)
    return result.outcome


@shared_task
def outbox_sweep() -> int:
    """Beat, every minute: enqueue messages whose delivery is overdue."""
    ids = outbox_due_for_sweep()
    sent = 0
    for message_id in ids:
        try:
            outbox_send.delay(message_id)
        except Exception:
            log.exception("Outbox sweep could not enqueue message %s", message_id)
            break  # the broker is down: the next sweep tries again
        sent += 1
    return sent
