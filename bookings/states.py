"""The states of bookings, delegate places and attendance: one table each, written the same way.

Services check a move with `TABLE.check(current, to)` (or `booking_refusal` for a booking,
which adds the rule that no-show and completed need a started schedule); pages ask the same
tables for the buttons they offer, the labels and the badge styles. Nothing else compares
bare status strings.
"""

import datetime

from django.db import models
from django.utils import timezone

from core.states import BAD, MUTED, OK, WARN, StateTable


class BookingType(models.TextChoices):
    INDIVIDUAL = "individual", "Booking for a single student"
    GROUP = "group", "Organization booking for multiple delegates"
    PLACEHOLDER = "placeholder", "Placeholder places for an organisation"


# Short names for lists and tables.
BOOKING_TYPE_SHORT = {
    BookingType.INDIVIDUAL: "Individual",
    BookingType.GROUP: "Group",
    BookingType.PLACEHOLDER: "Placeholder",
}


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    CONFIRMING = "confirming", "Confirming"
    CANCELLED = "cancelled", "Cancelled"
    WAITING = "waiting", "Waiting for payment"
    PENDING = "pending", "Pending approval"
    NOSHOW = "noshow", "No-show"
    COMPLETED = "completed", "Completed"


S = BookingStatus
BOOKING_STATES = StateTable(
    choices=BookingStatus,
    noun="booking",
    moves={
        # pending -> confirmed by approval; waiting -> confirmed when the invoice is paid;
        # confirming -> confirmed when the calendar push finishes.
        S.PENDING: {S.WAITING, S.CONFIRMING, S.CONFIRMED, S.CANCELLED},
        S.WAITING: {S.CONFIRMING, S.CONFIRMED, S.CANCELLED},
        S.CONFIRMING: {S.CONFIRMED, S.CANCELLED},
        S.CONFIRMED: {S.NOSHOW, S.COMPLETED, S.CANCELLED},
        S.NOSHOW: {S.COMPLETED},
        S.COMPLETED: set(),
        S.CANCELLED: set(),
    },
    badges={S.CONFIRMED: OK, S.COMPLETED: OK, S.CANCELLED: BAD, S.NOSHOW: BAD},
)

# Statuses that only make sense once the schedule has started.
NEEDS_STARTED = frozenset({S.NOSHOW, S.COMPLETED})

# Statuses in which a booking holds places on its schedule and can still be changed.
ACTIVE_STATUSES = frozenset({S.CONFIRMED, S.CONFIRMING, S.WAITING, S.PENDING})

# The buttons of the booking page: target status -> label. Cancel has its own page.
TRANSITION_ACTIONS = {
    S.CONFIRMED: "Confirm",
    S.CONFIRMING: "Mark confirming",
    S.WAITING: "Mark waiting for payment",
    S.NOSHOW: "Mark no-show",
    S.COMPLETED: "Mark completed",
}


# Moves that cannot be undone ask first, on their own page (url name), naming the consequence.
CONFIRM_FIRST = {S.NOSHOW: "bookings:noshow"}


def booking_refusal(
    *,
    status: str,
    to: str,
    schedule_code: str,
    starts_at: datetime.datetime,
    now: datetime.datetime | None = None,
) -> str:
    """Why a booking in `status` on a schedule starting at `starts_at` cannot move to `to`."""
    refusal = BOOKING_STATES.refusal(status, to)
    if refusal:
        return refusal
    if to in NEEDS_STARTED and starts_at > (now or timezone.now()):
        return (
            f"{schedule_code} has not started yet, so the booking cannot be marked "
            f"{BOOKING_STATES.label(to).lower()}."
        )
    return ""


class PlaceState(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
    TRANSFERRED = "transferred", "Transferred"


PLACE_STATES = StateTable(
    choices=PlaceState,
    noun="place",
    moves={PlaceState.BOOKED: {PlaceState.CANCELLED, PlaceState.TRANSFERRED}},
    badges={PlaceState.BOOKED: OK, PlaceState.CANCELLED: BAD, PlaceState.TRANSFERRED: MUTED},
)


class AttendanceStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ATTENDED = "attended", "Attended"
    ABSENT = "absent", "Absent"
    CANCELLED = "cancelled", "Cancelled"


A = AttendanceStatus
ATTENDANCE_STATES = StateTable(
    choices=AttendanceStatus,
    noun="attendance",
    # Attended is final (SPEC 6: once attended no further change is possible).
    moves={
        A.PENDING: {A.ATTENDED, A.ABSENT, A.CANCELLED},
        A.ABSENT: {A.PENDING, A.ATTENDED, A.CANCELLED},
        A.CANCELLED: {A.PENDING, A.ATTENDED, A.ABSENT},
        A.ATTENDED: set(),
    },
    badges={A.ATTENDED: OK, A.ABSENT: BAD, A.CANCELLED: MUTED, A.PENDING: WARN},
)


class DiscountKind(models.TextChoices):
    NONE = "", "No discount"
    PERCENT = "percent", "Percentage"
    FIXED = "fixed", "Fixed amount"
