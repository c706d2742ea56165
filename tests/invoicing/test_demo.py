import io

import pytest
from django.core.management import call_command

from invoicing.models import Invoice, InvoiceStatus, Refund
from invoicing.services import recompute_balances


@pytest.mark.django_db
def test_demo_data_shows_every_invoice_status_through_the_ledger():
    call_command("demo_data", stdout=io.StringIO())
    statuses = set(Invoice.objects.values_list("status", flat=True))
    assert {
        InvoiceStatus.OUTSTANDING,
        InvoiceStatus.PART_COMPLETED,
        InvoiceStatus.COMPLETED,
    } <= statuses
    assert Invoice.objects.filter(overpayment__gt=0).exists()
    assert Refund.objects.exists()
    for invoice in Invoice.objects.all():
        derived = recompute_balances(invoice)
        assert (derived.outstanding, derived.overpayment) == (
            invoice.outstanding,
            invoice.overpayment,
        )
    out = io.StringIO()
    call_command("demo_data", stdout=out)  # a second run adds nothing
    assert "Demo payments" not in out.getvalue()
