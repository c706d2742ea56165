import django_filters
from django import forms

from .models import Booking, BookingStatus, BookingType
from .selectors import bookings_with_delegate


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
    starts_from = django_filters.DateFilter(
        label="Schedule from",
        field_name="schedule__start_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    starts_to = django_filters.DateFilter(
        label="Schedule to",
        field_name="schedule__start_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    organisation = django_filters.CharFilter(
        label="Organisation",
        field_name="organisation__name",
        lookup_expr="icontains",
        widget=forms.TextInput(attrs={"maxlength": 100}),
    )
    organisation_id = django_filters.NumberFilter(
        field_name="organisation_id", widget=forms.HiddenInput
    )
    schedule = django_filters.CharFilter(
        label="Schedule ID",
        field_name="schedule__code",
        lookup_expr="iexact",
        widget=forms.TextInput(attrs={"maxlength": 20}),
    )

    class Meta:
        model = Booking
        fields: list[str] = []

    def filter_delegate(self, queryset, name, value):
        value = (value or "").strip()[:100]
        if not value:
            return queryset
        return bookings_with_delegate(value, queryset)
