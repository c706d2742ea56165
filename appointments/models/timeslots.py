"""Staff timeslots and their occurrences.

A Timeslot is a staff member's recurring (or one-time) appointment time: wall-clock start and
end in the site's time zone, on chosen weekdays from `start_date` to an optional `end_date`.
Its Occurrences are the dated instances, generated 13 months ahead (and extended daily by the
beat task `appointments.tasks.occurrences_extend_task`), each with its own UTC start and end
worked out for that date in the time zone (so 16:00 stays 16:00 across a clock change), its
capacity and the seats taken. Capacity is guarded in the database: `taken <= capacity`.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ..states import WEEKDAY_SHORT, WEEKDAYS, Frequency
from .setup import AppointmentType, PricingSchedule


def _site_time_zone() -> str:
    return settings.TIME_ZONE


class Timeslot(models.Model):
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="timeslots"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="timeslots"
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    # The weekdays of a weekly timeslot as digits, Monday = 0: "024" = Mon, Wed, Fri.
    weekdays = models.CharField(max_length=7, blank=True, default="")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    start_time = models.TimeField()
    end_time = models.TimeField()
    time_zone = models.CharField(max_length=64, default=_site_time_zone)
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    pricing_schedule = models.ForeignKey(
        PricingSchedule, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.CharField(max_length=200, blank=True)
    # Occurrences exist up to this date (inclusive); the beat task moves it forward.
    generated_until = models.DateField(null=True, blank=True, editable=False)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_time", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="timeslot_capacity_min"),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="timeslot_times"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="timeslot_dates",
            ),
        ]
        indexes = [models.Index(fields=["staff", "archived"], name="timeslot_staff")]

    def __str__(self) -> str:
        return f"{self.appointment_type} with {self.staff_name}, {self.when_label}"

    @property
    def staff_name(self) -> str:
        return self.staff.get_full_name() or self.staff.get_username()

    @property
    def weekday_numbers(self) -> list[int]:
        return sorted({int(c) for c in self.weekdays if c.isdigit() and int(c) < 7})

    @property
    def weekday_labels(self) -> str:
        return ", ".join(WEEKDAY_SHORT[d] for d in self.weekday_numbers)

    @property
    def is_one_time(self) -> bool:
        return self.frequency == Frequency.ONE_TIME

    @property
    def is_group(self) -> bool:
        return self.capacity > 1

    @property
    def when_label(self) -> str:
        times = f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"
        if self.is_one_time:
            return f"{self.start_date:%a %d %b %Y} {times}"
        return f"{self.weekday_labels} {times}"

    @property
    def effective_pricing(self) -> PricingSchedule | None:
        return self.pricing_schedule or self.appointment_type.pricing_schedule


WEEKDAY_CHOICES = [(str(n), label) for n, label in WEEKDAYS]


class Occurrence(models.Model):
    timeslot = models.ForeignKey(Timeslot, on_delete=models.CASCADE, related_name="occurrences")
    date = models.DateField()  # the local date
    starts_at = models.DateTimeField()  # UTC
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    taken = models.PositiveIntegerField(default=0)
    cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["timeslot", "date"], name="uniq_occurrence_date"),
            models.CheckConstraint(
                condition=Q(taken__gte=0) & Q(taken__lte=F("capacity")),
                name="occurrence_not_overbooked",
            ),
        ]
        indexes = [
            models.Index(fields=["starts_at"], name="occurrence_start"),
        ]

    def __str__(self) -> str:
        return f"{self.timeslot.appointment_type} {self.local_start:%a %d %b %Y %H:%M}"

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.taken, 0)

    @property
    def local_start(self):
        return timezone.localtime(self.starts_at)

    @property
    def local_end(self):
        return timezone.localtime(self.ends_at)

    @property
    def is_past(self) -> bool:
        return self.starts_at <= timezone.now()
