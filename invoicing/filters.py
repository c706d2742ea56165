import re

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.filters import DateFilter, IdFilter

from .models import Invoice, InvoiceStatus

OVERPAID = "overpaid"
STATUS_CHOICES = [*InvoiceStatus.choices, (OVERPAID, "Overpaid")]


def _number_in(text: str) -> int | None:
    """'INV-000123', 'inv123', '000123' or '123' -> 123."""
    prefix = settings.INVOICE_NUMBER_PREFIX.upper().rstrip("-")
    m = re.fullmatch(rf"(?:{re.escape(prefix)})?-?0*(\d{{1,12}})", text.upper())
    return int(m.group(1)) if m else None


class InvoiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search number or name",
        method="filter_q",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=STATUS_CHOICES, method="filter_status", empty_label="Any"
    )
    issued_from = DateFilter(label="Issued from", field_name="issue_date", lookup_expr="gte")
    issued_to = DateFilter(label="Issued to", field_name="issue_date", lookup_expr="lte")
    bill_to = django_filters.CharFilter(
        label="Bill to", field_name="bill_to_name", lookup_expr="icontains"
    )
    account = IdFilter(label="Billing account", field_name="account_id")
    overdue = django_filters.BooleanFilter(
        label="Overdue only", method="filter_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = Invoice
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        number = _number_in(text)
        if number is not None:
            return queryset.filter(Q(number=number) | Q(bill_to_name__icontains=text))
        return queryset.filter(bill_to_name__icontains=text[:100])

    def filter_status(self, queryset, name, value):
        if value == OVERPAID:
            return queryset.filter(overpaid=True)
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(outstanding__gt=0, due_date__lt=timezone.localdate())
