"""Forms of the backdating pages. Every id goes through core.forms (bounded, never a 500)."""

import datetime

from django import forms

from appointments.recurrence import local_today
from appointments.states import AttendanceStatus
from core.forms import IdField, TextAreaField


class UnusedSearch(forms.Form):
    q = forms.CharField(
        label="Client or order number",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. Lee or HW000123"}),
    )


class CalendarForm(forms.Form):
    """The booking calendar: "Consultant", "Dates" (a week) and, once "Show Available
    Timeslots" has listed them, the timeslot chosen."""

    consultant = forms.TypedChoiceField(label="Consultant", coerce=int, empty_value=None)
    week = forms.TypedChoiceField(label="Dates", coerce=datetime.date.fromisoformat)
    occurrence = IdField(required=False, widget=forms.RadioSelect)

    def __init__(self, *args, consultants, weeks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].choices = [("", "Choose a consultant")] + [
            (str(u.pk), u.get_full_name() or u.get_username()) for u in consultants
        ]
        self.fields["week"].choices = [(d.isoformat(), label) for d, label in weeks]
        if weeks:
            this_week = weeks[min(len(weeks) - 1, _current_index(weeks))][0]
            self.fields["week"].initial = this_week.isoformat()


def _current_index(weeks) -> int:
    today = local_today()
    for i, (monday, _label) in enumerate(weeks):
        if monday <= today:
            return i
    return 0


ACTION_CHOICES = [
    (AttendanceStatus.PENDING, "Pending"),
    (AttendanceStatus.ATTENDED, "Attended"),
    (AttendanceStatus.ABSENT, "Absent"),
    (AttendanceStatus.CANCELLED, "Cancelled"),
]
PENALTY_CHOICES = [
    ("", "Not cancelling"),
    ("with", "Cancel with penalty (the session is used up)"),
    ("without", "Cancel without penalty (the session returns to Unallocated)"),
]


class AttendanceForm(forms.Form):
    """ "Confirm Attendance": the "Actions" and, for "Cancelled", with or without penalty."""

    attendance = forms.ChoiceField(
        label="Actions", choices=ACTION_CHOICES, widget=forms.RadioSelect
    )
    penalty = forms.ChoiceField(
        label="Cancellation", choices=PENALTY_CHOICES, required=False, widget=forms.RadioSelect
    )
    reason = TextAreaField(label="Reason", required=False)

    def __init__(self, *args, can_cancel: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_cancel:
            self.fields["attendance"].choices = ACTION_CHOICES[:3]
            del self.fields["penalty"]

    def clean(self):
        data = super().clean()
        if data.get("attendance") == AttendanceStatus.CANCELLED and not data.get("penalty"):
            self.add_error("penalty", "Choose with or without penalty.")
        return data

    @staticmethod
    def penalty_of(data: dict) -> bool | None:
        return {"with": True, "without": False}.get(data.get("penalty") or "")
