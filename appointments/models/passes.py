"""Session packs: a punch pass of N punches, or an order of N sessions of a service.

Both are "N uses of an appointment type, held by a family or a student": redeeming a punch
(seed 002) or booking a session of an order (seed 001) takes one use; cancelling gives it
back. `used <= size` is a database CHECK, and uses are taken by one conditional UPDATE, so
two staff redeeming the last punch at once leave one booking and a refusal.
"""

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When

from contacts.models import Contact, Family
from core.references import prefixed_reference

from ..states import PackKind
from .setup import AppointmentType


def _reference_sql() -> models.Expression:
    """ "HW000123" for an order (seed 001), "PP000123" for a punch pass."""
    return prefixed_reference(
        Case(When(kind=PackKind.ORDER, then=Value("HW")), default=Value("PP"))
    )


class Pack(models.Model):
    reference = models.GeneratedField(
        expression=_reference_sql(),
        output_field=models.CharField(max_length=20),
        db_persist=True,
        unique=True,
    )
    kind = models.CharField(max_length=12, choices=PackKind.choices)
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, null=True, blank=True, related_name="packs"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="packs"
    )
    # Restricts the pack to one appointment type (service); blank = any type.
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, null=True, blank=True, related_name="packs"
    )
    # The other attendees of a multi-attendee service's sessions (seed 001), besides `contact`.
    attendees = models.ManyToManyField(Contact, blank=True, related_name="packs_attending")
    size = models.PositiveIntegerField("Punches / sessions")
    used = models.PositiveIntegerField(default=0)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(used__gte=0) & Q(used__lte=F("size")), name="pack_not_overused"
            ),
            models.CheckConstraint(condition=Q(size__gte=1), name="pack_size_min"),
            models.CheckConstraint(
                condition=Q(family__isnull=False) | Q(contact__isnull=False),
                name="pack_has_holder",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="pack_validity",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "created_at"], name="pack_kind_created"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def remaining(self) -> int:
        return max(self.size - self.used, 0)

    @property
    def is_punch_pass(self) -> bool:
        return self.kind == PackKind.PUNCH_PASS

    @property
    def is_order(self) -> bool:
        return self.kind == PackKind.ORDER

    @property
    def holder(self):
        return self.contact or self.family

    def valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)
