"""Queueing: an email is rendered and written to the outbox in the caller's transaction, and
handed to Celery after commit; a person may queue a failed one again."""

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone

from core import preview
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.transactions import insert_later, service_atomic

from .. import attachments as attachment_registry
from ..models import OUTBOX_STATES, OutboxLink, OutboxMessage, OutboxState
from .delivery import SENDING_TIMEOUT
from .templates import _render_template, _templates_get

log = logging.getLogger("notifications.services")


def _recipients(to: str | Iterable[str]) -> list[str]:
    raw = [to] if isinstance(to, str) else list(to)
    out: list[str] = []
    for item in raw:
        for address in str(item).replace(";", ",").split(","):
            address = address.strip()
            if not address:
                continue
            try:
                validate_email(address)
            except ValidationError:
                raise DomainError(f"“{address}” is not a valid email address.") from None
            if address.lower() not in {a.lower() for a in out}:
                out.append(address)
    if not out:
        raise DomainError("There is no email address to send this email to.")
    return out


def _attachment_refs(items: Iterable[tuple[str, int]]) -> list[list[Any]]:
    refs: list[list[Any]] = []
    for kind, object_id in items:
        if not attachment_registry.is_registered(kind):
            raise ValueError(
                f"attachment kind {kind!r} is not registered; call "
                "notifications.attachments.register() in your AppConfig.ready()"
            )
        refs.append([kind, int(object_id)])
    return refs


# After a failed enqueue this process leaves the broker alone until this time.monotonic()
# value: a broker that hangs costs one timeout (settings.CELERY_BROKER_TRANSPORT_OPTIONS), not
# one per email of a booking or per request while it is down.
_broker_skip_until = 0.0


def broker_reset() -> None:
    """Try the broker again on the next enqueue (tests; a broker known to be back)."""
    global _broker_skip_until
    _broker_skip_until = 0.0


def _enqueue(message_id: int) -> None:
    _enqueue_all([message_id])


def _enqueue_all(message_ids: list[int]) -> None:
    """Hand the messages to Celery, after commit. Never raises: the rows are committed and
    pending, and `outbox_sweep` sends whatever did not reach the broker, so the user's
    request must not fail (or wait) for it. After one failure the rest are left to the sweep,
    and so is every enqueue of this process for settings.OUTBOX_BROKER_BACKOFF seconds."""
    global _broker_skip_until
    from ..tasks import outbox_send

    if time.monotonic() < _broker_skip_until:
        log.warning(
            "Broker unavailable a moment ago; outbox messages %s left to the sweep", message_ids
        )
        return
    for done, message_id in enumerate(message_ids):
        try:
            outbox_send.delay(message_id)
        except Exception as error:
            backoff = float(getattr(settings, "OUTBOX_BROKER_BACKOFF", 30.0))
            _broker_skip_until = time.monotonic() + backoff
            log.warning(
                "Could not enqueue outbox messages %s (%s: %s); the sweep will send them",
                message_ids[done:],
                type(error).__name__,
                error,
            )
            return


@dataclass(frozen=True)
class EmailToQueue:
    """One email for `email_queue_many` (the arguments of `email_queue`)."""

    to: str | Iterable[str]
    template_key: str
    context: Mapping[str, Any]
    about: Sequence[models.Model] = ()
    attachments: Sequence[tuple[str, int]] = field(default_factory=tuple)


def email_queue(
    *,
    to: str | Iterable[str],
    template_key: str,
    context: Mapping[str, Any],
    about: Iterable[models.Model] = (),
    attachments: Iterable[tuple[str, int]] = (),
    actor: Actor = None,
) -> OutboxMessage:
    """Render `template_key` with `context`, write the message to the outbox in the caller's
    transaction and send it after commit. See the module docstring for the journey."""
    (message,) = email_queue_many(
        actor=actor,
        emails=[
            EmailToQueue(
                to=to,
                template_key=template_key,
                context=context,
                about=list(about),
                attachments=list(attachments),
            )
        ],
    )
    return message


def email_queue_many(*, actor: Actor, emails: Sequence[EmailToQueue]) -> list[OutboxMessage]:
    """`email_queue` for several emails at once (a group booking's confirmations): the same
    statements whatever their number (one read of the templates, one INSERT of the messages,
    one of their links), so the caller's transaction does not grow with its delegates."""
    if not emails:
        return []
    prepared = []
    for email in emails:
        about = list(email.about)
        for obj in about:
            if obj.pk is None:
                raise ValueError("email_queue(about=...) needs saved objects")
        prepared.append((email, _recipients(email.to), _attachment_refs(email.attachments), about))
    templates = _templates_get({e.template_key for e in emails})
    now = timezone.now()
    sender = actor if actor is not None and actor.is_authenticated else None
    messages = []
    for email, recipients, refs, _about in prepared:
        template = templates[email.template_key]
        rendered = _render_template(template, email.context)
        messages.append(
            OutboxMessage(
                to=recipients,
                from_email=settings.DEFAULT_FROM_EMAIL,
                subject=rendered.subject,
                body=rendered.body,
                html_body=rendered.html_body,
                template_key=template.key,
                attachments=refs,
                actor=sender,
                created_at=now,
                next_attempt_at=now,
            )
        )
    with service_atomic():
        # PostgreSQL and SQLite (3.35+) return the new ids from one multi-row INSERT.
        OutboxMessage.objects.bulk_create(messages)
        links = []
        for message, (_email, _r, _refs, about) in zip(messages, prepared, strict=True):
            seen = {(ContentType.objects.get_for_model(obj).pk, int(obj.pk)) for obj in about}
            links.extend(
                OutboxLink(message=message, content_type_id=ct_id, object_id=obj_id)
                for ct_id, obj_id in sorted(seen)
            )
        insert_later(links)  # read only by pages (`emails_about`), never before commit
        transaction.on_commit(partial(_enqueue_all, [m.pk for m in messages]))
    for message in messages:
        preview.note_email(to=message.to, subject=message.subject)
    return messages


def _retry_locked(*, actor: Actor, message: OutboxMessage, now) -> None:
    previous = (message.state, message.attempts)
    message.state = OutboxState.PENDING
    message.attempts = 0
    message.next_attempt_at = now
    message.save(update_fields=["state", "attempts", "next_attempt_at"])
    audit_record(
        actor=actor,
        target=message,
        action="outbox.retry",
        summary=f"Email “{message.subject}” queued again",
        data={"previous_state": previous[0], "previous_attempts": previous[1]},
    )
    transaction.on_commit(partial(_enqueue, message.pk))


def outbox_retry(*, actor: Actor, message: OutboxMessage) -> OutboxMessage:
    """Send a failed (or stuck pending) message again, with a fresh set of attempts."""
    now = timezone.now()
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if OUTBOX_STATES.is_final(locked.state):  # sent
            raise DomainError("This email has already been sent.")
        if (
            locked.state == OutboxState.SENDING
            and locked.last_attempt_at
            and (locked.last_attempt_at > now - SENDING_TIMEOUT)
        ):
            raise DomainError("This email is being sent right now.")
        _retry_locked(actor=actor, message=locked, now=now)
    return locked


def outbox_retry_failed(*, actor: Actor, limit: int = 500) -> int:
    """ "Retry all failed": after a long mail server outage, send every failed email again."""
    now = timezone.now()
    with transaction.atomic():
        failed = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(state=OutboxState.FAILED)
            .order_by("created_at", "id")[:limit]
        )
        for message in failed:
            _retry_locked(actor=actor, message=message, now=now)
    return len(failed)
