"""The punch-pass forms (a module of its own beside the app's other forms)."""

from decimal import Decimal

from django import forms
from django.conf import settings

from core.forms import BoundedDateField, IdChoiceField, TextAreaField

from ..models import AppointmentType
from ..services.passes import MAX_PUNCHES


class PunchPassAddForm(forms.Form):
    size = forms.IntegerField(
        label="Number of punches", min_value=1, max_value=MAX_PUNCHES, initial=10
    )
    appointment_type = IdChoiceField(
        label="For appointment type",
        queryset=AppointmentType.objects.filter(active=True).order_by("name"),
        required=False,
        empty_label="Any appointment type",
    )
    valid_from = BoundedDateField(label="Valid from")
    valid_until = BoundedDateField(
        label="Valid until (optional)", required=False, help_text="Leave empty for no end date."
    )
    price = forms.DecimalField(
        label="Price (net, optional)",
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=(
            "With a price the pass is sold: an invoice is issued for it (VAT is added at the "
            "appointment type's rate). Leave empty for a pass given without charge."
        ),
    )
    notes = TextAreaField(label="Notes", required=False, rows=2)

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", "The pass cannot end before it starts.")
        return data


class RedeemSearchForm(forms.Form):
    """The redeem list's choices (a GET form): from which date, and for which student."""

    date = BoundedDateField(label="From", required=False)
    student = IdChoiceField(label="Student", queryset=None, required=False, empty_label=None)

    def __init__(self, *args, students, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students
        self.fields["student"].label_from_instance = lambda c: c.full_name


class RedeemForm(forms.Form):
    student = IdChoiceField(
        label="Student",
        queryset=None,
        error_messages={"required": "Choose the student to book."},
    )

    def __init__(self, *args, students, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students
        self.fields["student"].label_from_instance = lambda c: c.full_name
        if settings.APPOINTMENT_EMAILS_ENABLED:
            self.fields["send_email"] = forms.BooleanField(
                label="Send Booking Email", required=False, initial=True
            )


class PunchPassAdjustForm(forms.Form):
    size = forms.IntegerField(label="Number of punches", min_value=1, max_value=MAX_PUNCHES)
    valid_until = BoundedDateField(
        label="Valid until (optional)", required=False, help_text="Leave empty for no end date."
    )
    reason = forms.CharField(label="Reason", max_length=500)
