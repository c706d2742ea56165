from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Venue(models.Model):
    name = models.CharField(max_length=200, unique=True)
    address = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    code = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    default_price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Net price per delegate.",
    )
    vat_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.2000"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="0.2000 = 20%",
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ScheduleQuerySet(models.QuerySet):
    def past(self, now=None):
        return self.filter(end_at__lt=now or timezone.now())

    def upcoming(self, now=None):
        return self.filter(start_at__gt=now or timezone.now())

    def current_or_upcoming(self, now=None):
        """Not yet ended. Also bounds start_at below by the earliest start of what is in
        progress (one small query on the (end_at, start_at) index): the same rows, but
        "ORDER BY start_at" can then walk the start_at index from there instead of
        filtering every past schedule first (20 ms -> 0.3 ms at 20,000 schedules)."""
        now = now or timezone.now()
        started = (
            Schedule.objects.filter(end_at__gte=now, start_at__lte=now)
            .order_by()
            .values_list("start_at", flat=True)
        )
        earliest = min(started, default=now)
        return self.filter(end_at__gte=now, start_at__gte=earliest)

    def with_places_left(self):
        return self.annotate(places_left_db=F("capacity") - F("places_taken"))


class Schedule(models.Model):
    """A run of a course. `places_taken` counts booked delegates plus unassigned placeholder
    places; only the bookings services change it, under a row lock, and the database refuses a
    value above capacity."""

    code = models.CharField("Schedule ID", max_length=20, unique=True)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="schedules")
    start_at = models.DateTimeField(db_index=True)
    end_at = models.DateTimeField(db_index=True)
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schedules_trained",
    )
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    places_taken = models.PositiveIntegerField(default=0, editable=False)
    price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Net price per delegate; defaults from the course.",
    )
    vat_rate = models.DecimalField(max_digits=5, decimal_places=4)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScheduleQuerySet.as_manager()

    class Meta:
        ordering = ["start_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(places_taken__lte=F("capacity")), name="schedule_not_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(end_at__gt=F("start_at")), name="schedule_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["end_at", "start_at"], name="schedule_when")]

    def __str__(self) -> str:
        return f"{self.code} · {self.course.title} · {self.start_at:%d %b %Y}"

    @property
    def places_left(self) -> int:
        return self.capacity - self.places_taken

    @property
    def is_full(self) -> bool:
        return self.places_taken >= self.capacity

    def timing(self, now=None) -> str:
        now = now or timezone.now()
        if self.end_at < now:
            return "Past"
        if self.start_at > now:
            return "Upcoming"
        return "In progress"

    @property
    def timing_badge(self) -> str:
        return {"Past": "badge-muted", "Upcoming": "badge-ok"}.get(self.timing(), "badge-warn")


class TimetableSession(models.Model):
    """A dated session of a schedule on which attendance is taken."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["date", "start_time"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "date", "start_time"], name="uniq_session"),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="session_ends_after_start"
            ),
        ]
        # The calendar's month / week / day: the sessions of a range of dates.
        indexes = [models.Index(fields=["date", "start_time"], name="session_date")]

    def __str__(self) -> str:
        return f"{self.date:%a %d %b %Y} {self.start_time:%H:%M}-{self.end_time:%H:%M}"
