"""Forms every app's confirm-style pages share."""

from django import forms


class OptionalReasonForm(forms.Form):
    """The one field of a confirmation that asks nothing else: why (kept in the history)."""

    reason = forms.CharField(
        label="Reason",
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
