"""Every write of the notifications app: templates, queueing and delivering email.

How an email travels:

1. A business service calls `email_queue(...)` inside its own transaction. The template is
   rendered now and the message is written to the outbox (with links to the objects it is
   about) in that same transaction; `transaction.on_commit` then enqueues the Celery task
   `notifications.tasks.outbox_send`. A rolled-back change leaves no row and sends nothing.
2. The task calls `outbox_deliver`, which claims the row (pending -> sending), builds the
   email (attachments are made now, through `notifications.attachments`), sends it with
   Django's mail backend and records the outcome. SMTP and socket errors put the row back to
   pending and the task retries with exponential backoff; after settings.OUTBOX_MAX_ATTEMPTS
   attempts the row is failed and a person can "Retry" it.
3. `notifications.tasks.outbox_sweep` (beat, every minute) re-enqueues pending rows whose
   delivery is overdue, e.g. because the broker was down when they were queued.

Delivery is at least once: if a worker dies after the mail server accepted a message but
before the row is marked sent, the message is sent again later.
"""

import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache, partial
from importlib import import_module
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import F, Q
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from core import preview
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.transactions import insert_later, service_atomic

from . import attachments as attachment_registry
from .models import OUTBOX_STATES, EmailTemplate, OutboxLink, OutboxMessage, OutboxState

log = logging.getLogger(__name__)

# A claimed message that is still "sending" after this long belongs to a worker that died.
SENDING_TIMEOUT = timedelta(minutes=10)
# Errors worth retrying: the mail server is down, slow or says "try again later".
# (smtplib.SMTPException and socket errors are both OSError subclasses.)
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError,)


# --- Templates --------------------------------------------------------------------------------


def email_template_defaults() -> dict[str, dict[str, Any]]:
    """The `EMAIL_TEMPLATES` of every installed app's `emails.py`, keyed by template key."""
    found: dict[str, dict[str, Any]] = {}
    owners: dict[str, str] = {}
    for app_config in django_apps.get_app_configs():
        if not module_has_submodule(app_config.module, "emails"):
            continue
        module = import_module(f"{app_config.name}.emails")
        for key, spec in getattr(module, "EMAIL_TEMPLATES", {}).items():
            if key in found:
                raise ImproperlyConfigured(
                    f"email template {key!r} is declared by both {owners[key]} and "
                    f"{app_config.name}"
                )
            missing = {"name", "subject", "body"} - set(spec)
            if missing:
                raise ImproperlyConfigured(
                    f"email template {key!r} in {app_config.name}.emails lacks {sorted(missing)}"
                )
            found[key] = spec
            owners[key] = app_config.name
    return found


def _template_from_default(key: str, spec: Mapping[str, Any]) -> EmailTemplate:
    return EmailTemplate(
        key=key,
        name=spec["name"],
        description=spec.get("description", ""),
        subject=spec["subject"],
        body=spec["body"],
        html_body=spec.get("html_body", ""),
    )


def email_templates_sync(*, using: str = "default") -> list[str]:
    """Create a row for every default template that has none yet; edited rows are kept.

    Runs after every migrate (post_migrate of the notifications app) and from
    `manage.py email_templates_sync`. Returns the keys created.
    """
    defaults = email_template_defaults()
    with transaction.atomic(using=using):
        existing = set(EmailTemplate.objects.using(using).values_list("key", flat=True))
        new = [_template_from_default(k, s) for k, s in defaults.items() if k not in existing]
        EmailTemplate.objects.using(using).bulk_create(new, ignore_conflicts=True)
    return [t.key for t in new]


def email_template_get(key: str) -> EmailTemplate:
    """The editable template, created from its default on first use if it has no row yet."""
    template = EmailTemplate.objects.filter(key=key).first()
    if template is not None:
        return template
    return _template_created(key)


def _templates_get(keys: set[str]) -> dict[str, EmailTemplate]:
    """`email_template_get` for several keys in one query (the rows exist after migrate)."""
    found = {t.key: t for t in EmailTemplate.objects.filter(key__in=keys).order_by()}
    for key in keys - set(found):
        found[key] = _template_created(key)
    return found


def _template_created(key: str) -> EmailTemplate:
    spec = email_template_defaults().get(key)
    if spec is None:
        raise DomainError(f"There is no email template called “{key}”.")
    fresh = _template_from_default(key, spec)
    template, _ = EmailTemplate.objects.get_or_create(
        key=key,
        defaults={
            f: getattr(fresh, f) for f in ("name", "description", "subject", "body", "html_body")
        },
    )
    return template


def email_template_example(key: str) -> dict[str, Any]:
    """Sample context for the preview: the default's optional "example" dict."""
    return dict(email_template_defaults().get(key, {}).get("example", {}))


def _base_context() -> dict[str, Any]:
    return {"seller": settings.SELLER}


def render_text(source: str, context: Mapping[str, Any], *, autoescape: bool = False) -> str:
    """Render Django template syntax. Plain-text parts are not HTML-escaped.

    Raises TemplateSyntaxError for a template that does not compile.
    """
    template = Engine.get_default().from_string(source)
    return template.render(Context({**_base_context(), **context}, autoescape=autoescape))


@lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    """A template source compiled once per process. Keyed by the text itself, which
    `email_queue` reads from the row on every call: an edit (through the page, the admin or
    an UPDATE) is new text, so every process compiles it on its next email; nothing to
    invalidate. Only the outbox uses it, so previews of drafts do not fill it."""
    return Engine.get_default().from_string(source)


def _render_cached(source: str, context: Mapping[str, Any], *, autoescape: bool = False) -> str:
    return _compiled(source).render(Context({**_base_context(), **context}, autoescape=autoescape))


def _render_template(template: EmailTemplate, context: Mapping[str, Any]) -> "RenderedEmail":
    try:
        return RenderedEmail(
            subject=" ".join(_render_cached(template.subject, context).split())[:300],
            body=_render_cached(template.body, context),
            html_body=_render_cached(template.html_body, context, autoescape=True)
            if template.html_body.strip()
            else "",
        )
    except Exception as exc:
        raise DomainError(
            f"The email template “{template.name}” could not be rendered: {exc}"
        ) from exc


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str
    html_body: str


def email_render(
    *, subject: str, body: str, html_body: str = "", context: Mapping[str, Any]
) -> RenderedEmail:
    """Render the three parts. A subject is one header line, so its whitespace is collapsed."""
    return RenderedEmail(
        subject=" ".join(render_text(subject, context).split())[:300],
        body=render_text(body, context),
        html_body=render_text(html_body, context, autoescape=True) if html_body.strip() else "",
    )


def email_template_check(
    *, subject: str, body: str, html_body: str = "", context: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Compile and trial-render each part; return {part: error message} (empty when fine).

    Used by the edit form so a broken template is refused with a clear message instead of
    failing later when a booking or an invoice queues an email.
    """
    errors: dict[str, str] = {}
    for part, source in (("subject", subject), ("body", body), ("html_body", html_body)):
        try:
            render_text(source, context or {}, autoescape=part == "html_body")
        except TemplateSyntaxError as exc:
            errors[part] = f"The template syntax is not valid: {exc}"
        except Exception as exc:  # a tag that fails when rendered, e.g. {% url "missing" %}
            errors[part] = f"The template cannot be rendered: {exc}"
    return errors


def email_template_update(
    *,
    actor: Actor,
    template: EmailTemplate,
    subject: str,
    body: str,
    html_body: str = "",
) -> EmailTemplate:
    errors = email_template_check(
        subject=subject,
        body=body,
        html_body=html_body,
        context=email_template_example(template.key),
    )
    if errors:
        field, message = next(iter(errors.items()))
        raise DomainError(message, field=field)
    with transaction.atomic():
        locked = EmailTemplate.objects.select_for_update().get(pk=template.pk)
        changed = [
            f
            for f, v in (("subject", subject), ("body", body), ("html_body", html_body))
            if getattr(locked, f) != v
        ]
        locked.subject, locked.body, locked.html_body = subject, body, html_body
        locked.updated_by = actor if actor is not None and actor.is_authenticated else None
        locked.save()
        audit_record(
            actor=actor,
            target=locked,
            action="email_template.update",
            summary=f"Email template “{locked.name}” edited"
            + (f" ({', '.join(changed)})" if changed else " (no change)"),
            data={"changed": changed},
        )
    return locked


def email_template_reset(*, actor: Actor, template: EmailTemplate) -> EmailTemplate:
    """Put the template back to the default declared in code."""
    spec = email_template_defaults().get(template.key)
    if spec is None:
        raise DomainError("This template has no default to restore.")
    default = _template_from_default(template.key, spec)
    with transaction.atomic():
        locked = EmailTemplate.objects.select_for_update().get(pk=template.pk)
        for f in ("name", "description", "subject", "body", "html_body"):
            setattr(locked, f, getattr(default, f))
        locked.updated_by = actor if actor is not None and actor.is_authenticated else None
        locked.save()
        audit_record(
            actor=actor,
            target=locked,
            action="email_template.reset",
            summary=f"Email template “{locked.name}” restored to its default",
        )
    return locked


# --- Queueing ---------------------------------------------------------------------------------


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


def _enqueue(message_id: int) -> None:
    """Hand the message to Celery. Never raises: if the broker is down the row stays pending
    and `outbox_sweep` sends it later, so the user's request must not fail for it."""
    from .tasks import outbox_send

    try:
        outbox_send.delay(message_id)
    except Exception:
        log.exception("Could not enqueue outbox message %s; the sweep will retry", message_id)


def _enqueue_all(message_ids: list[int]) -> None:
    for message_id in message_ids:
        _enqueue(message_id)


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


# --- Delivery ---------------------------------------------------------------------------------


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


def outbox_build_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """The Django email for a message; attachments are made now from their references."""
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(message.to),
        headers={"X-Outbox-Message": str(message.pk)},
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
