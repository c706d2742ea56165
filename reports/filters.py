"""The upcoming bookings report's filters (django-filter over booked places)."""

import datetime

import django_filters
from django import forms
from django.utils import timezone

from bookings.models import BookingPlace
from contacts.models import Organisation
from core.filters import DateFilter, IdChoiceFilter
from schedules.forms import TrainerChoiceField, trainers
from schedules.models import Course, Venue

from .forms import UpcomingFilterForm


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


MAX_ORGANISATIONS = 500


class TrainerFilter(IdChoiceFilter):
    field_class = TrainerChoiceField


class UpcomingFilter(django_filters.FilterSet):
    starts_from = DateFilter(label="Starts from", method="filter_starts_from")
    starts_to = DateFilter(label="Starts to", method="filter_starts_to")
    course = IdChoiceFilter(
        label="Course",
        field_name="schedule__course",
        queryset=Course.objects.order_by("title", "code"),
        empty_label="Any course",
    )
    venue = IdChoiceFilter(
        label="Venue",
        field_name="schedule__venue",
        queryset=Venue.objects.order_by("name"),
        empty_label="Any venue",
    )
    trainer = TrainerFilter(
        label="Trainer",
        field_name="schedule__trainer",
        queryset=trainers(),
        empty_label="Any trainer",
    )
    organisation = django_filters.CharFilter(
        label="Organisation",
        method="filter_organisation",
        widget=forms.TextInput(attrs={"type": "search", "maxlength": 100, "autocomplete": "off"}),
    )

    class Meta:
        model = BookingPlace
        fields: list[str] = []
        form = UpcomingFilterForm

    def filter_starts_from(self, queryset, name, value):
        # Local days as time bounds, so PostgreSQL walks the schedules' start_at index.
        return queryset.filter(schedule__start_at__gte=_local_midnight(value))

    def filter_starts_to(self, queryset, name, value):
        end = _local_midnight(value + datetime.timedelta(days=1))
        return queryset.filter(schedule__start_at__lt=end)

    def filter_organisation(self, queryset, name, value):
        text = (value or "").strip()[:100]
        if not text:
            return queryset
        # The matching organisations' ids first (trigram index on the name), then their
        # places: with the ids as constants PostgreSQL can tell a rare organisation (start
        # from its bookings) from a common word (walk the schedules by start); as a subquery
        # it guessed wrong and scanned every booking (1.5 s at 1,000,000 places).
        ids = list(
            Organisation.objects.filter(name__icontains=text)
            .order_by()
            .values_list("pk", flat=True)[: MAX_ORGANISATIONS + 1]
        )
        if len(ids) > MAX_ORGANISATIONS:  # a common word: match by name as the rows go by
            return queryset.filter(booking__organisation__name__icontains=text)
        return queryset.filter(booking__organisation_id__in=ids)
