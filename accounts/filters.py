import django_filters
from django import forms
from django.db.models import Q

from core.roles import STAFF_ROLES

from . import selectors

PORTAL = "portal"
ROLE_CHOICES = [*((r, r) for r in STAFF_ROLES), (PORTAL, "Student / family (portal)")]
ACTIVE_CHOICES = [("yes", "Active"), ("no", "Deactivated")]


class UserFilter(django_filters.FilterSet):
    """The Users page: staff by default; a role, active or not, and a name or email search."""

    q = django_filters.CharFilter(
        label="Search name or email",
        method="filter_q",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    role = django_filters.ChoiceFilter(
        label="Role", choices=ROLE_CHOICES, method="filter_role", empty_label="Any staff role"
    )
    active = django_filters.ChoiceFilter(
        label="Active", choices=ACTIVE_CHOICES, method="filter_active", empty_label="Any"
    )

    class Meta:
        model = selectors.User
        fields: list[str] = []

    def filter_queryset(self, queryset):
        # Portal accounts are listed only when asked for: this is the staff list.
        if self.form.cleaned_data.get("role") != PORTAL:
            queryset = queryset.exclude(pk__in=selectors.portal_user_ids())
        return super().filter_queryset(queryset)

    def filter_q(self, queryset, name, value):
        for word in value.split()[:5]:
            word = word[:100]
            queryset = queryset.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
                | Q(username__icontains=word)
            )
        return queryset

    def filter_role(self, queryset, name, value):
        if value == PORTAL:
            return queryset.filter(pk__in=selectors.portal_user_ids())
        return queryset.filter(groups__name=value)

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "yes")
