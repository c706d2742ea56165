import django_filters
from django import forms
from django.db.models import Q

from .models import OutboxMessage, OutboxState


class OutboxFilter(django_filters.FilterSet):
    """The Outbox page filter: state and a search over recipients and subject."""

    state = django_filters.ChoiceFilter(
        label="State", choices=OutboxState.choices, empty_label="All"
    )
    q = django_filters.CharFilter(
        label="Search recipient or subject",
        method="search",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    class Meta:
        model = OutboxMessage
        fields = ["state"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # `to` is a JSON list: icontains searches its text form, which holds every address.
        return queryset.filter(Q(to__icontains=value) | Q(subject__icontains=value))
