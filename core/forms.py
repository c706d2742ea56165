"""Forms and fields every app shares: the confirm-style pages' reason, the date input, the
bounded text area (TextAreaField), and the bounded fields every date and id taken from a
query or a post goes through."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from .text import MAX_TEXT, too_long
from .web import int_or_none


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


# --- bounded input: dates and ids every form and filter takes --------------------------------

EARLIEST_DATE, LATEST_DATE = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
DATE_RANGE_MESSAGE = "Enter a date between the years 1900 and 2999."


def _check_year(value, day: datetime.date) -> None:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_range", params={"value": value})


class BoundedDateField(forms.DateField):
    """A date between 1900 and 2999. Python dates end at 9999-12-31, so the day after a
    date filter's "to" (or a due date 30 days on) would overflow; no booking, invoice or
    birthday is outside these years, and the message says what is accepted."""

    widget = DateInput

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None:
            _check_year(value, day)
        return day


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time between 1900 and 2999 (see BoundedDateField); also keeps the time zone
    conversion of year 1 or 9999 from overflowing."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None:
            _check_year(value, moment.date())
        return moment


def _integer_key(model, to_field_name: str | None) -> bool:
    field = model._meta.get_field(to_field_name) if to_field_name else model._meta.pk
    return isinstance(field, models.IntegerField)


class IdField(forms.Field):
    """A database id from a query string or a post, checked by core.web.int_or_none (the one
    helper: a positive integer below 2^63). SQLite cannot bind a larger integer at all
    (OverflowError) and PostgreSQL refuses it for a bigint column."""

    widget = forms.HiddenInput
    default_error_messages = {"invalid": "This link or form names something that does not exist."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = int_or_none(value)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class IdChoiceField(forms.ModelChoiceField):
    """ModelChoiceField whose value is range-checked by int_or_none before any query."""

    def to_python(self, value):
        if (
            value not in self.empty_values
            and not isinstance(value, models.Model)
            and _integer_key(self.queryset.model, self.to_field_name)
            and int_or_none(value) is None
        ):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField whose values are range-checked by int_or_none first (its
    `pk__in` query is not guarded by Django against integers out of range)."""

    def _check_values(self, value):
        if _integer_key(self.queryset.model, self.to_field_name):
            for pk in value:
                if not isinstance(pk, models.Model) and int_or_none(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)


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
