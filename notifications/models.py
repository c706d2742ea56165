"""Email templates and the outbox.

Every email the application sends is first written as an `OutboxMessage` in the same
transaction as the change that causes it (`notifications.services.email_queue`); a Celery task
delivers it after commit. So a rolled-back change sends nothing, and a message is never lost
when the broker or the mail server is down: the row stays pending until it is delivered.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.states import BAD, OK, StateTable


class EmailTemplate(models.Model):
    """An editable email (subject + body in Django template syntax).

    Rows are created from the `EMAIL_TEMPLATES` defaults each app declares in its `emails.py`
    (see `notifications.services.email_templates_sync`) and can then be edited in the back
    office; the code never overwrites an edited row.
    """

    key = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html_body = models.TextField(
        "HTML body",
        blank=True,
        help_text="Optional. When set, the email is sent with this HTML version as well.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "key"]

    def __str__(self) -> str:
        return self.name or self.key

    def get_absolute_url(self) -> str:
        return reverse("notifications:template_edit", args=[self.key])


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


# pending -> sending -> sent; a failed attempt goes back to pending, or to failed for good;
# a person may retry a failed message (back to pending).
OUTBOX_STATES = StateTable(
    choices=OutboxState,
    noun="message",
    moves={
        OutboxState.PENDING: {OutboxState.SENDING, OutboxState.FAILED},
        OutboxState.SENDING: {OutboxState.SENT, OutboxState.PENDING, OutboxState.FAILED},
        OutboxState.FAILED: {OutboxState.PENDING},
    },
    badges={OutboxState.SENT: OK, OutboxState.FAILED: BAD},
)


class OutboxMessage(models.Model):
    """One email, rendered when it was queued, with its delivery state.

    pending -> sending -> sent; a temporary failure goes back to pending (retried with backoff,
    and by the sweep), and after settings.OUTBOX_MAX_ATTEMPTS attempts, or on an error that a
    retry cannot fix, to failed (a person may "Retry" it from the Outbox page).
    """

    State = OutboxState

    to = models.JSONField(default=list, help_text="List of recipient addresses.")
    from_email = models.CharField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    template_key = models.CharField(max_length=64, blank=True, db_index=True)
    attachments = models.JSONField(default=list, blank=True, help_text="List of [kind, id].")
    state = models.CharField(
        max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # When the next delivery is expected at the latest (the task's retry countdown). The sweep
    # only picks up pending messages that are well past it, so it does not race the retries.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_state_next_idx"),
            models.Index(fields=["-created_at", "-id"], name="outbox_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"

    def get_absolute_url(self) -> str:
        return reverse("notifications:outbox_detail", args=[self.pk])

    @property
    def recipients(self) -> str:
        return ", ".join(self.to)

    @property
    def is_sent(self) -> bool:
        return self.state == OutboxState.SENT

    @property
    def can_retry(self) -> bool:
        """A person may send a failed (or still pending) message again."""
        return self.state in (OutboxState.FAILED, OutboxState.PENDING)

    @property
    def state_badge(self) -> str:
        return OUTBOX_STATES.badge(self.state)


class OutboxLink(models.Model):
    """What a message is about (a booking, an invoice, ...): `emails_about(obj)` reads these."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="links")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    target = GenericForeignKey("content_type", "object_id")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "content_type", "object_id"], name="outbox_link_unique"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="outbox_link_obj_idx")]

    def __str__(self) -> str:
        return f"{self.content_type.app_label}.{self.content_type.model} #{self.object_id}"
