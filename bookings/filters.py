from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone

from core.filters import DateFilter, IdFilter

from .models import Booking, BookingStatus, BookingType
from .selectors import bookings_with_delegate


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class BookingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search delegate name",
        method="filter_delegate",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Delegate name or mobile", "maxlength": 100}
        ),
    )
    status = django_filters.ChoiceFilter(choices=BookingStatus.choices, empty_label="Any status")
    kind = django_filters.ChoiceFilter(
        label="Type", choices=BookingType.choices, empty_label="Any type"
    )
    starts_from = DateFilter(
        label="Schedule from",
        method="filter_nothing",  # both dates are applied together in filter_queryset
    )
    starts_to = DateFilter(label="Schedule to", method="filter_nothing")
    organisation = django_filters.CharFilter(
        label="Organisation",
        field_name="organisation__name",
        lookup_expr="icontains",
        widget=forms.TextInput(attrs={"maxlength": 100}),
    )
    organisation_id = IdFilter(label="Organisation", field_name="organisation_id")
    schedule = django_filters.CharFilter(
        label="Schedule ID",
        field_name="schedule__code",
        lookup_expr="iexact",
        widget=forms.TextInput(attrs={"maxlength": 20}),
    )

    class Meta:
        model = Booking
        fields: list[str] = []

    @property
    def ordering(self) -> tuple[str, ...]:
        """Newest bookings first; within a schedule date range, by schedule start instead.

        That is what someone asking "who is booked in March" wants to read, and PostgreSQL
        can walk the schedules of the range in start order and stop after one page. (Newest
        first over a date range would make it scan every booking made since: bookings are
        made before their course, which the planner cannot know.)
        """
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        if data.get("starts_from") or data.get("starts_to"):
            return ("schedule__start_at", "schedule_id", "-created_at", "-pk")
        return ("-created_at", "-pk")

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        start, end = (
            self.form.cleaned_data.get("starts_from"),
            self.form.cleaned_data.get("starts_to"),
        )
        if start or end:
            # Local days as time bounds, so PostgreSQL walks the start_at index of schedules.
            bounds = {}
            if start:
                bounds["schedule__start_at__gte"] = _local_midnight(start)
            if end:
                bounds["schedule__start_at__lt"] = _local_midnight(end + timedelta(days=1))
            queryset = queryset.filter(**bounds)
        return queryset

    def filter_delegate(self, queryset, name, value):
        value = (value or "").strip()[:100]
        if not value:
            return queryset
        return bookings_with_delegate(value, queryset)
