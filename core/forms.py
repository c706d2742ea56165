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


class DateInput(forms.DateInput):
    """A browser date picker. `<input type="date">` only reads ISO dates: with en-GB's
    default format (01/12/2026) a saved date would show blank and be cleared on save."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
