"""Tuition charges of appointment bookings (seed 002, "Creating Appointment Tuition Charges").

A `TuitionCharge` is one invoice issued for one booking's lessons of one period (a calendar
month) and category ("Tuition"). Charging the same booking, category and period again bills
only the lessons booked since (the difference); `lessons_through` (the booked lessons the
charges of that period cover after this one) is unique per booking, category and period, so
two charges of the same difference can never both be written, whatever runs them twice.

A `ChargeRun` is one bulk run ("Tuition charges"): the period, category and the bookings
chosen, run by a Celery task that issues one invoice per booking and counts as it goes.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .bookings import AppointmentBooking


class ChargeRunState(models.TextChoices):
    PREVIEWED = "previewed", "Previewed"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ChargeRun(models.Model):
    period = models.DateField("Period")  # the first day of the month
    category = models.CharField(max_length=100, default="Tuition")
    state = models.CharField(
        max_length=10, choices=ChargeRunState.choices, default=ChargeRunState.PREVIEWED
    )
    booking_ids = models.JSONField(default=list, blank=True)  # the bookings chosen
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # {booking id: message} of the bookings that could not be charged (the run goes on).
    failures = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)  # the run itself stopped (not one booking)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"Tuition charges {self.period:%B %Y} ({self.category})"

    @property
    def state_label(self) -> str:
        return ChargeRunState(self.state).label

    @property
    def is_previewed(self) -> bool:
        return self.state == ChargeRunState.PREVIEWED

    @property
    def is_finished(self) -> bool:
        return self.state in (ChargeRunState.DONE, ChargeRunState.FAILED)

    @property
    def processed(self) -> int:
        return self.done + self.failed

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.processed * 100 // self.total)


class TuitionCharge(models.Model):
    booking = models.ForeignKey(
        AppointmentBooking, on_delete=models.PROTECT, related_name="charges"
    )
    category = models.CharField(max_length=100, default="Tuition")
    period_start = models.DateField()
    period_end = models.DateField()
    lessons = models.PositiveIntegerField()  # the booked lessons (seats) this charge bills
    # The booked lessons of the period covered once this charge is written (the sum of
    # `lessons` of the period's charges so far): the idempotency key with the period.
    lessons_through = models.PositiveIntegerField()
    # What was billed: lessons (per lesson), 1 (per month), packages (per package), 1 (amount
    # entered by hand). The next charge of the period subtracts what these already cover.
    units = models.PositiveIntegerField(default=1)
    amount = models.DecimalField("Amount (net)", max_digits=12, decimal_places=2)
    invoice = models.ForeignKey(
        "invoicing.Invoice", on_delete=models.PROTECT, related_name="tuition_charges"
    )
    run = models.ForeignKey(
        ChargeRun, on_delete=models.PROTECT, null=True, blank=True, related_name="charges"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "category", "period_start", "lessons_through"],
                name="uniq_tuition_charge_difference",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tuition_charge_positive"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="tuition_charge_period",
            ),
        ]
        indexes = [models.Index(fields=["period_start", "category"], name="tuition_period")]

    def __str__(self) -> str:
        return f"{self.category} {self.period_start:%B %Y} for {self.booking_id}"
