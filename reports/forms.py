"""The revenue report's period and course (a plain form: the figures are grouped sums, not a
filtered list of rows)."""

import datetime

from django import forms
from django.utils import timezone

from core.forms import BoundedDateField

from .selectors import OTHER, OTHER_LABEL, revenue_filter_courses

MAX_MONTHS = 60  # five years of months is already a long table and chart


def check_date_range(form: forms.Form, start: str, end: str) -> None:
    """Both dates in order (their fields keep them between 1900 and 2999: core.forms)."""
    data = form.cleaned_data
    if data.get(start) and data.get(end) and data[start] > data[end]:
        form.add_error(None, "The start date must be on or before the end date.")


class UpcomingFilterForm(forms.Form):
    """The form behind `filters.UpcomingFilter` (django-filter adds the fields)."""

    def clean(self):
        data = super().clean()
        check_date_range(self, "starts_from", "starts_to")
        return data


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last 12 months: from the first day of the month 11 months ago to today."""
    today = today or timezone.localdate()
    month, year = today.month - 11, today.year
    if month < 1:
        month, year = month + 12, year - 1
    return datetime.date(year, month, 1), today


class RevenueForm(forms.Form):
    date_from = BoundedDateField(label="From", required=False)
    date_to = BoundedDateField(label="To", required=False)
    course = forms.ChoiceField(label="Course", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = [
            ("", "All courses"),
            *[(str(pk), title) for pk, title in revenue_filter_courses()],
            (OTHER, f"{OTHER_LABEL} (no course)"),
        ]

    def clean(self):
        data = super().clean()
        start, end = default_period()
        for name, default in (("date_from", start), ("date_to", end)):
            if name not in self.errors and not data.get(name):
                data[name] = default
        check_date_range(self, "date_from", "date_to")
        if not self.errors:
            date_from, date_to = data["date_from"], data["date_to"]
            months = (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
            if months > MAX_MONTHS:
                raise forms.ValidationError(
                    f"Choose a period of at most {MAX_MONTHS} months ({MAX_MONTHS // 12} years)."
                )
        return data

    def period(self) -> tuple[datetime.date, datetime.date, str]:
        """(from, to, course) of a valid form."""
        data = self.cleaned_data
        return data["date_from"], data["date_to"], data.get("course") or ""
