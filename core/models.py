from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from .append_only import AppendOnlyModel, AppendOnlyQuerySet


class Capability(models.Model):
    """Holds the custom permissions the roles are made of (no table).

    Views check these with `core.access.require`, never only in templates.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_backoffice", "Use the back office"),
            ("view_contacts", "See contacts, organisations and families"),
            ("manage_contacts", "Create and edit contacts, organisations and families"),
            ("view_schedules", "See courses, schedules and timetables"),
            ("manage_schedules", "Create and edit courses and schedules"),
            ("view_bookings", "See bookings"),
            ("manage_bookings", "Create, edit and cancel bookings"),
            ("view_finance", "See invoices, credit notes and payments"),
            ("manage_finance", "Record payments, refunds and credit notes; issue invoices"),
            ("transfer_delegates", "Transfer delegates between schedules"),
            ("cancel_placeholders", "Cancel placeholder places"),
            ("view_appointments", "See appointment timeslots and bookings"),
            ("manage_appointments", "Book, change and cancel appointments; punch passes"),
            ("manage_timeslots", "Add, edit and delete any staff member's timeslots"),
            ("edit_own_timeslots", "Edit and delete own timeslots (not add them)"),
            ("backdate_any", "Backdate any session into any past date"),
            ("backdate_recent", "Backdate sessions in the current and previous month"),
            ("backdate_own", "Backdate own sessions"),
            ("view_reports", "See reports"),
            ("view_revenue", "See revenue reports"),
            ("view_outbox", "See the email outbox"),
            ("manage_email_templates", "Edit email templates"),
            ("manage_users", "Invite staff, change their roles, deactivate and reactivate them"),
            ("manage_calendars", "Add, edit and remove integrated calendars and their links"),
            ("portal_access", "Use the student / family portal"),
        ]

    def __str__(self) -> str:
        return "capability"


class AuditEventQuerySet(AppendOnlyQuerySet):
    def for_object(self, obj: models.Model) -> "AuditEventQuerySet":
        return self.filter(
            target_type=ContentType.objects.get_for_model(obj), target_id=obj.pk
        ).select_related("actor")


class AuditEvent(AppendOnlyModel):
    """Who did what, when and why: the history shown on bookings, invoices and contacts.

    Append-only; written by services in the same transaction as the change. Triggers refuse
    UPDATE and DELETE in the database too (migration 0002), so a user with history cannot be
    deleted (`actor` is PROTECT: deactivate them instead).
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    summary = models.CharField(max_length=500)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.BigIntegerField()
    target = GenericForeignKey("target_type", "target_id")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}: {self.summary}"

    @property
    def actor_name(self) -> str:
        """Who did it, for history lists: "system" for beat tasks, failed log-ins and the like."""
        if self.actor is None:
            return "system"
        return self.actor.get_full_name() or self.actor.username


class FormToken(models.Model):
    """A one-time form token that has been used (core.onetime): the first committed submit of
    a form inserts its key in the service's transaction, so the unique index refuses every
    later submit of the same form (a double click, a retry, the back button), which is then
    answered with `result_url`, the page of the change that was made.

    Only used tokens are stored: issuing one (rendering a form) writes nothing.
    """

    key = models.CharField(max_length=32, unique=True)
    scope = models.CharField(max_length=300)  # the URL the form posts to
    title = models.CharField(max_length=200)  # what was done, for the "already done" message
    result_url = models.CharField(max_length=500, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    used_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.title} ({self.used_at:%Y-%m-%d %H:%M})"
