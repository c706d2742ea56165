"""Delivery: claim a message, send it with Django's mail backend, record the outcome."""

import datetime
import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.utils import timezone

from .. import attachments as attachment_registry
from ..models import OutboxMessage, OutboxState

log = logging.getLogger("notifications.services")

# A claimed message that is still "sending" after this long belongs to a worker that died.
SENDING_TIMEOUT = timedelta(minutes=10)
# Errors worth retrying: the mail server is down, slow or says "try again later".
# (smtplib.SMTPException and socket errors are both OSError subclasses.)
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError,)


class Outcome:
    SENT = "sent"
    SKIPPED = "skipped"  # already sent or failed, being sent elsewhere, or gone
    RETRY = "retry"  # temporary failure, the row is pending again
    FAILED = "failed"  # given up; a person may retry it


@dataclass(frozen=True)
class Delivery:
    outcome: str
    error: BaseException | None = None
    retry_in: float | None = None  # seconds, for Outcome.RETRY


def retry_delay(attempts: int) -> float:
    """Exponential backoff with jitter: about base, 2*base, 4*base... capped.

    With the defaults (30 s, cap 600 s, 8 attempts) a message is retried for roughly 20 to 40
    minutes before it is failed; "Retry all failed" on the Outbox page sends those again.
    """
    base = float(getattr(settings, "OUTBOX_RETRY_BACKOFF", 30.0))
    cap = float(getattr(settings, "OUTBOX_RETRY_BACKOFF_MAX", 600.0))
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return ceiling * random.uniform(0.5, 1.0)


def outbox_message_id(message: OutboxMessage) -> str:
    """The Message-ID of every delivery attempt of this outbox message.

    Delivery is at least once: a worker that dies after the mail server accepted a message
    sends it again. With the same Message-ID on every attempt, mail clients and servers that
    deduplicate drop the second copy. The id comes from the outbox row (its id, and its
    creation time so that a database restored or started afresh never reuses one) and the
    site's domain (settings.SITE_DOMAIN)."""
    created = message.created_at.astimezone(datetime.UTC).strftime("%Y%m%d%H%M%S")
    return f"<outbox.{message.pk}.{created}@{settings.SITE_DOMAIN}>"


def outbox_build_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """The Django email for a message; attachments are made now from their references."""
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(message.to),
        headers={"X-Outbox-Message": str(message.pk), "Message-ID": outbox_message_id(message)},
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    for kind, object_id in message.attachments:
        filename, content, mimetype = attachment_registry.resolve(kind, object_id)
        email.attach(filename, content, mimetype)
    return email


def _claim(message_id: int, now) -> OutboxMessage | None:
    """Pending (or stuck sending) -> sending, in one conditional UPDATE: a second deliverer
    (a retry racing the sweep) waits for the row, then finds it sending and skips. The row is
    read after the claim, outside any transaction: it is ours while it is sending."""
    claimable = Q(state=OutboxState.PENDING) | Q(
        Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=now - SENDING_TIMEOUT),
        state=OutboxState.SENDING,
    )
    claimed = (
        OutboxMessage.objects.filter(claimable, pk=message_id)
        .order_by()
        .update(state=OutboxState.SENDING, attempts=F("attempts") + 1, last_attempt_at=now)
    )
    if not claimed:  # gone, sent, failed, or being sent by another worker
        return None
    return OutboxMessage.objects.filter(pk=message_id).first()


def outbox_deliver(*, message_id: int) -> Delivery:
    """Send one outbox message now and record what happened.

    The row is claimed (pending -> sending) in a short transaction and the mail is sent
    outside it, so no database lock is held while talking to the mail server; a second
    delivery of the same message (a retry racing the sweep) finds it sending or sent and skips.
    """
    now = timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return Delivery(Outcome.SKIPPED)
    try:
        email = outbox_build_email(message)
        timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 30
        with get_connection(fail_silently=False, timeout=timeout) as connection:
            connection.send_messages([email])
    except TRANSIENT_ERRORS as exc:
        error, transient = exc, True
    except Exception as exc:  # a bug or bad data (e.g. the attachment cannot be made)
        log.exception("Outbox message %s cannot be delivered", message_id)
        error, transient = exc, False
    else:
        OutboxMessage.objects.filter(pk=message.pk).update(
            state=OutboxState.SENT, sent_at=timezone.now()
        )
        return Delivery(Outcome.SENT)

    max_attempts = int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", 8))
    give_up = not transient or message.attempts >= max_attempts
    delay = None if give_up else retry_delay(message.attempts)
    OutboxMessage.objects.filter(pk=message.pk, state=OutboxState.SENDING).update(
        state=OutboxState.FAILED if give_up else OutboxState.PENDING,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        next_attempt_at=timezone.now() + timedelta(seconds=delay or 0),
    )
    log.warning(
        "Outbox message %s attempt %s failed (%s): %s",
        message_id,
        message.attempts,
        "giving up" if give_up else f"retry in {delay:.1f}s",
        error,
    )
    return Delivery(Outcome.FAILED if give_up else Outcome.RETRY, error=error, retry_in=delay)
