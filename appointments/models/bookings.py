"""Appointment bookings: one student in a timeslot's occurrences.

A booking says who (student, and their family), where (the timeslot), and the schedule the
office chose (Frequency Recurring / Non-Recurring, Start Date, optional End Date, weekdays);
its Seats are the occurrences actually booked, one row each, each with its own state and
attendance. An open-ended or long recurring booking has seats up to the 13-month window; the
beat task books the next occurrences as the window moves (`generated_until`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from contacts.models import Contact, Family
from core.references import prefixed_reference

from ..states import (
    BOOKING_STATES,
    OPEN_STATUSES,
    WEEKDAY_SHORT,
    AttendanceStatus,
    BookingFrequency,
    BookingSource,
    BookingStatus,
    SeatState,
)
from .passes import Pack
from .setup import PricingSchedule
from .timeslots import Occurrence, Timeslot


def _reference_sql() -> models.Expression:
    return prefixed_reference("AP")


class AppointmentBooking(models.Model):
    reference = models.GeneratedField(
        expression=_reference_sql(),
        output_field=models.CharField(max_length=20),
        db_persist=True,
        unique=True,
    )
    student = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="appointment_bookings"
    )
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, null=True, blank=True, related_name="appointment_bookings"
    )
    timeslot = models.ForeignKey(Timeslot, on_delete=models.PROTECT, related_name="bookings")
    frequency = models.CharField(max_length=16, choices=BookingFrequency.choices)
    start_date = models.DateField("Start Date")
    end_date = models.DateField("End Date", null=True, blank=True)
    weekdays = models.CharField(max_length=7, blank=True, default="")
    pricing_schedule = models.ForeignKey(
        PricingSchedule, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    status = models.CharField(
        max_length=12, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    source = models.CharField(
        max_length=12, choices=BookingSource.choices, default=BookingSource.OFFICE
    )
    # The pass a punch was taken from (punch-pass redemption), given back on cancel.
    pack = models.ForeignKey(
        Pack, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    notes = models.TextField(blank=True)
    # Seats exist up to this date for a recurring booking; the beat task moves it on.
    generated_until = models.DateField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["student", "status"], name="appt_booking_student"),
            models.Index(fields=["timeslot", "status"], name="appt_booking_timeslot"),
            models.Index(
                fields=["generated_until"],
                name="appt_booking_open_series",
                condition=Q(frequency=BookingFrequency.RECURRING, status__in=OPEN_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.student}"

    @property
    def is_recurring(self) -> bool:
        return self.frequency == BookingFrequency.RECURRING

    @property
    def is_open_ended(self) -> bool:
        return self.is_recurring and self.end_date is None

    @property
    def is_cancelled(self) -> bool:
        return self.status == BookingStatus.CANCELLED

    @property
    def is_from_pass(self) -> bool:
        return self.pack_id is not None

    @property
    def status_label(self) -> str:
        return BOOKING_STATES.label(self.status)

    @property
    def status_badge(self) -> str:
        return BOOKING_STATES.badge(self.status)

    @property
    def weekday_numbers(self) -> list[int]:
        return sorted({int(c) for c in self.weekdays if c.isdigit() and int(c) < 7})

    @property
    def weekday_labels(self) -> str:
        return ", ".join(WEEKDAY_SHORT[d] for d in self.weekday_numbers)


class Seat(models.Model):
    """One booking in one occurrence: it holds one of the occurrence's places while Booked."""

    booking = models.ForeignKey(AppointmentBooking, on_delete=models.CASCADE, related_name="seats")
    occurrence = models.ForeignKey(Occurrence, on_delete=models.PROTECT, related_name="seats")
    state = models.CharField(max_length=10, choices=SeatState.choices, default=SeatState.BOOKED)
    attendance = models.CharField(
        max_length=10, choices=AttendanceStatus.choices, default=AttendanceStatus.PENDING
    )

    class Meta:
        ordering = ["occurrence__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "occurrence"], name="uniq_seat"),
        ]
        indexes = [models.Index(fields=["occurrence", "state"], name="seat_occurrence")]

    def __str__(self) -> str:
        return f"{self.booking_id} in {self.occurrence_id}"

    @property
    def is_booked(self) -> bool:
        return self.state == SeatState.BOOKED
