"""The calendar's forms: reschedule (an appointment date, a course booking) and cancel."""

from decimal import Decimal

from django import forms
from django.db.models import F
from django.utils import timezone

from appointments.models import Occurrence, Seat
from appointments.states import SeatState
from core.forms import BoundedDateField, IdChoiceField, TextAreaField
from schedules.models import Schedule

REASON_LIMIT = 2000


class OccurrenceChoiceField(IdChoiceField):
    warnings: dict[int, str] = {}  # occurrence id -> clash with a busy block (calendars)

    def label_from_instance(self, o: Occurrence) -> str:
        left = o.places_left
        label = (
            f"{o.local_start:%H:%M}–{o.local_end:%H:%M} with {o.timeslot.staff_name}"
            f"{', ' + o.timeslot.location if o.timeslot.location else ''} "
            f"({left} place{'s' if left != 1 else ''} left)"
        )
        warning = self.warnings.get(o.pk, "")
        return f"{label} — Warning: {warning}" if warning else label


def open_occurrences(*, appointment_type_id: int, day, exclude_id: int | None = None):
    """The times of `day` a seat could move to: same appointment type, not started, not
    cancelled, with a place left."""
    qs = (
        Occurrence.objects.filter(
            date=day,
            cancelled=False,
            starts_at__gt=timezone.now(),
            taken__lt=F("capacity"),
            timeslot__appointment_type_id=appointment_type_id,
            timeslot__archived=False,
        )
        .select_related("timeslot", "timeslot__staff")
        .order_by("starts_at", "pk")
    )
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs


class AppointmentRescheduleForm(forms.Form):
    """Seed 003: pick the new date and time, give a reschedule reason, "Confirm Booking"."""

    seat = IdChoiceField(
        label="Date to move",
        queryset=Seat.objects.none(),
        error_messages={"invalid_choice": "That date is no longer booked: choose another."},
    )
    date = BoundedDateField(label="New date", widget=forms.HiddenInput)
    occurrence = OccurrenceChoiceField(
        label="New time",
        queryset=Occurrence.objects.none(),
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the new time.",
            "invalid_choice": "That time is full, has started or no longer exists: choose again.",
        },
    )
    reason = TextAreaField(label="Reschedule reason", limit=REASON_LIMIT, rows=2)

    def __init__(self, data=None, *, booking, day, occurrences, warnings=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["occurrence"].warnings = warnings or {}
        self.fields["seat"].queryset = (
            Seat.objects.filter(
                booking=booking, state=SeatState.BOOKED, occurrence__starts_at__gt=timezone.now()
            )
            .select_related("occurrence")
            .order_by("occurrence__starts_at")
        )
        self.fields["seat"].label_from_instance = lambda s: (
            f"{s.occurrence.local_start:%a %d %b %Y %H:%M}"
        )
        self.fields["occurrence"].queryset = occurrences
        self.fields["date"].initial = day


class CourseRescheduleForm(forms.Form):
    """Another schedule of the same course, for every delegate still booked (each moved by
    the transfer service, money previewed)."""

    schedule = IdChoiceField(
        label="New schedule",
        queryset=Schedule.objects.none(),
        error_messages={
            "required": "Choose the new schedule.",
            "invalid_choice": "That schedule has started, is full or no longer exists: choose "
            "another one.",
        },
    )
    fee = forms.DecimalField(
        label="Transfer fee per delegate (net, optional)", required=False,
        max_digits=12, decimal_places=2, min_value=Decimal("0"),
        help_text="Leave empty for no fee. VAT is added at the course's rate.",
    )  # fmt: skip
    reason = TextAreaField(label="Reschedule reason", limit=500, rows=2)

    def __init__(self, data=None, *, booking, places_needed: int, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["schedule"].queryset = (
            Schedule.objects.upcoming()
            .filter(course_id=booking.schedule.course_id)
            .filter(capacity__gte=F("places_taken") + max(places_needed, 1))
            .exclude(pk=booking.schedule_id)
            .select_related("venue", "trainer")
            .order_by("start_at", "pk")
        )
        self.fields["schedule"].label_from_instance = lambda s: (
            f"{s.code}: {timezone.localtime(s.start_at):%a %d %b %Y %H:%M}"
            f"{', ' + s.venue.name if s.venue else ''} ({s.places_left} left)"
        )


class CancelReasonForm(forms.Form):
    """Seed 003: "Fill in the cancel reason for the booking", then "Cancel this booking"."""

    reason = TextAreaField(label="Cancel reason", limit=REASON_LIMIT, rows=3)
