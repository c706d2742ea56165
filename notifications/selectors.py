"""Reads the pages and other apps share."""

from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .models import OutboxMessage, OutboxState

# A pending message whose delivery is this overdue was never handed to a worker (the broker
# was down) or its retry was lost: the sweep enqueues it again.
SWEEP_GRACE = timedelta(minutes=1)


def emails_about(obj: models.Model) -> models.QuerySet[OutboxMessage]:
    """The emails linked to `obj` (newest first), in one query."""
    content_type = ContentType.objects.get_for_model(obj)  # cached after the first call
    return OutboxMessage.objects.filter(
        links__content_type=content_type, links__object_id=obj.pk
    ).order_by("-created_at", "-id")


def outbox_list() -> models.QuerySet[OutboxMessage]:
    """The Outbox page rows (filtered by notifications.filters.OutboxFilter)."""
    return (
        OutboxMessage.objects.select_related("actor")
        .defer("body", "html_body")
        .order_by("-created_at", "-id")
    )


def outbox_detail(message_id: int) -> OutboxMessage:
    return (
        OutboxMessage.objects.select_related("actor")
        .prefetch_related("links__content_type", "links__target")
        .get(pk=message_id)
    )


def outbox_due_for_sweep(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Ids of messages the sweep should enqueue again.

    Pending ones overdue by more than SWEEP_GRACE, and ones left "sending" by a worker that
    died (see services.SENDING_TIMEOUT).
    """
    from .services import SENDING_TIMEOUT

    now = now or timezone.now()
    due = Q(state=OutboxState.PENDING, next_attempt_at__lte=now - SWEEP_GRACE) | Q(
        state=OutboxState.SENDING, last_attempt_at__lte=now - SENDING_TIMEOUT
    )
    return list(
        OutboxMessage.objects.filter(due)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def outbox_failed_count() -> int:
    """Failed emails waiting for a person (an index-only count on (state, next_attempt_at))."""
    return OutboxMessage.objects.filter(state=OutboxState.FAILED).count()
