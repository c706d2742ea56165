from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from . import preview
from .models import AuditEvent

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
    """Append one history entry. Call inside the service's transaction."""
    preview.note_history(target=target, summary=summary[:500], reason=reason)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        action=action,
        summary=summary[:500],
        reason=reason,
        data=data or {},
    )
