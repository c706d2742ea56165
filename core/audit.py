from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from . import preview
from .models import AuditEvent
from .text import MAX_TEXT, bounded
from .transactions import insert_later

# Services bound what people type (core.text.bounded); this is the last line for history, with
# room for what a service adds around a reason ("Delegates cancelled: <reason>").
MAX_REASON = MAX_TEXT + 200

# Who performs a service action: a user, or None for the system (tasks, demo data).
Actor = AbstractBaseUser | None


def audit_record(
    *,
    actor: Actor,
    target: models.Model,
    action: str,
    summary: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one history entry. Call inside the service's transaction.

    Inside `core.transactions.service_atomic()` the row is written with the service's other
    deferred rows when its transaction block ends (`insert_later`; its `pk` stays None);
    elsewhere it is written now. The content type comes from Django's per-process
    cache (`get_for_model` queries once per model and process). A reason past `MAX_REASON`
    is refused with a DomainError, which rolls back the caller's transaction.
    """
    reason = bounded(reason, label="Reason", field="reason", limit=MAX_REASON)
    preview.note_history(target=target, summary=summary[:500], reason=reason)
    event = AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        action=action,
        summary=summary[:500],
        reason=reason,
        data=data or {},
    )
    insert_later([event])
    return event
