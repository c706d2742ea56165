"""What is sold: pricing schedules and appointment types (a lesson, a "2 on 1" session)."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from ..states import PricingBasis


class PricingSchedule(models.Model):
    """How an appointment is charged: an amount per lesson, per month, or per package of
    `lessons` lessons. Amounts are net; VAT at `vat_rate` (a fraction, 0.2000 = 20 %).

    `for_booking` is set when the schedule was created on the spot for one booking ("Create a
    New Pricing Schedule"); such schedules are not offered for other bookings."""

    name = models.CharField(max_length=200)
    basis = models.CharField(max_length=20, choices=PricingBasis.choices)
    amount = models.DecimalField(
        "Amount (net)", max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    lessons = models.PositiveIntegerField(
        "Lessons in the package", null=True, blank=True, help_text="Per package only."
    )
    vat_rate = models.DecimalField(
        "VAT rate", max_digits=5, decimal_places=4, default=Decimal("0.2000")
    )
    for_booking = models.BooleanField(default=False, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="pricing_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(basis=PricingBasis.PER_PACKAGE) | Q(lessons__gte=1),
                name="pricing_package_has_lessons",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def basis_label(self) -> str:
        return PricingBasis(self.basis).label

    @property
    def is_per_lesson(self) -> bool:
        return self.basis == PricingBasis.PER_LESSON

    @property
    def is_per_month(self) -> bool:
        return self.basis == PricingBasis.PER_MONTH

    @property
    def is_per_package(self) -> bool:
        return self.basis == PricingBasis.PER_PACKAGE


class AppointmentType(models.Model):
    """A kind of appointment or service: its length, how many students share it (capacity 1 is
    a private appointment, more is a group appointment), how many attendees one session
    serves (seed 001: "2 on 1 Personal Training Session" has 2), and its default pricing."""

    name = models.CharField(max_length=200, unique=True)
    duration_minutes = models.PositiveIntegerField(
        "Duration (minutes)", default=30, validators=[MinValueValidator(5)]
    )
    capacity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    attendees = models.PositiveIntegerField(
        "Attendees per session", default=1, validators=[MinValueValidator(1)]
    )
    pricing_schedule = models.ForeignKey(
        PricingSchedule,
        verbose_name="Default pricing schedule",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="appt_type_capacity_min"),
            models.CheckConstraint(condition=Q(attendees__gte=1), name="appt_type_attendees_min"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_group(self) -> bool:
        return self.capacity > 1

    @property
    def is_multi_attendee(self) -> bool:
        return self.attendees > 1
