"""Email templates: the editable rows, their defaults in code, rendering and checking."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import import_module
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils.module_loading import module_has_submodule

from core.audit import Actor, audit_record
from core.errors import DomainError
from core.text import MAX_TEMPLATE, bounded

from ..models import EmailTemplate

SUBJECT_MAX = EmailTemplate._meta.get_field("subject").max_length


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


def email_template_confidential(key: str) -> bool:
    """True for templates declared "confidential" (a one-time password link): the Outbox
    pages show who such a message went to, never its text."""
    return bool(email_template_defaults().get(key, {}).get("confidential"))


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
    subject = bounded(subject, label="Subject", field="subject", limit=SUBJECT_MAX)
    body = bounded(body, label="Body", field="body", limit=MAX_TEMPLATE)
    html_body = bounded(html_body, label="HTML body", field="html_body", limit=MAX_TEMPLATE)
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
