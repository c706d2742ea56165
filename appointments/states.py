"""The states of appointment bookings and their seats: one table each.

An appointment booking has the same seven statuses as a course booking (SPEC 3), so it
uses the same table (`bookings.states.BOOKING_STATES`); a seat (one booking in one
occurrence) is Booked or Cancelled, and its attendance uses the attendance table (Attended
is final), which the backdating workflow (issue 11) marks.
"""

from django.db import models

from bookings.states import (  # noqa: F401  (re-exported: one vocabulary for every booking)
    ATTENDANCE_STATES,
    BOOKING_STATES,
    AttendanceStatus,
    BookingStatus,
)
from core.states import BAD, OK, StateTable


class Frequency(models.TextChoices):
    """A timeslot's frequency (seed 002: "One Time" or recurring weekly on given days)."""

    ONE_TIME = "one_time", "One Time"
    WEEKLY = "weekly", "Weekly"


class BookingFrequency(models.TextChoices):
    """A booking's schedule: "Recurring" (every chosen weekday in the range) or
    "Non-Recurring" (one date: End Date = Start Date)."""

    RECURRING = "recurring", "Recurring"
    NON_RECURRING = "non_recurring", "Non-Recurring"


class PricingBasis(models.TextChoices):
    PER_LESSON = "per_lesson", "Per lesson"
    PER_MONTH = "per_month", "Per month"
    PER_PACKAGE = "per_package", "Per package"


class SeatState(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"


SEAT_STATES = StateTable(
    choices=SeatState,
    noun="appointment",
    moves={SeatState.BOOKED: {SeatState.CANCELLED}, SeatState.CANCELLED: set()},
    badges={SeatState.BOOKED: OK, SeatState.CANCELLED: BAD},
)


class BookingSource(models.TextChoices):
    """How the booking was made (the seed's four ways)."""

    OFFICE = "office", "Office"
    PUNCH_PASS = "punch_pass", "Punch pass"
    INVITATION = "invitation", "Group invitation"
    BACKDATED = "backdated", "Backdated"


class PackKind(models.TextChoices):
    PUNCH_PASS = "punch_pass", "Punch pass"
    ORDER = "order", "Order of sessions"


WEEKDAYS = (
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
)
WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Bookings still holding their seats (a recurring one is extended as the window moves).
OPEN_STATUSES = (
    BookingStatus.CONFIRMED,
    BookingStatus.CONFIRMING,
    BookingStatus.PENDING,
    BookingStatus.WAITING,
)
