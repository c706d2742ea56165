from django import forms

from core.forms import OptionalReasonForm
from core.roles import STAFF_ROLES

from .services._common import MAX_EMAIL

ROLE_CHOICES = [(r, r) for r in STAFF_ROLES]


def _roles_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label="Roles",
        choices=ROLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Admin: everything in the back office. Team leader: bookings and backdating. "
        "Provider: own timetable and registers. Finance: invoices, payments, credit notes.",
        error_messages={"required": "Choose at least one role."},
    )


class InviteForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(
        label="Email",
        max_length=MAX_EMAIL,
        help_text="The invitation is sent here; it is also the username to log in with.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    roles = _roles_field()


class RolesForm(OptionalReasonForm):
    roles = _roles_field()
    field_order = ["roles", "reason"]
