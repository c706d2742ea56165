"""Forms every app's confirm-style pages share."""

from django import forms

from .text import MAX_TEXT, too_long


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


class TextAreaField(forms.CharField):
    """A free-text area with a bound (`core.text.MAX_TEXT` unless given): the browser stops
    typing at it (maxlength) and the form refuses a longer post with a clear message.

    Line breaks are normalised to "\\n" first: browsers send a textarea's breaks as CRLF but
    count each as one character for maxlength, so text the browser allowed is never refused.
    """

    def __init__(self, *, label: str, limit: int = MAX_TEXT, rows: int = 3, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows}))
        super().__init__(label=label, max_length=limit, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value

    def run_validators(self, value):
        if value and self.max_length is not None and len(value) > self.max_length:
            raise forms.ValidationError(
                too_long(str(self.label), self.max_length, len(value)), code="max_length"
            )
        super().run_validators(value)
