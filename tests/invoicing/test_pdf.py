from decimal import Decimal as D

import pytest
from django.urls import reverse
from pypdf import PdfReader

from invoicing.models import StoredPdf
from invoicing.pdf import credit_note_pdf, invoice_pdf, invoice_pdf_attachment
from invoicing.services import LineSpec, credit_note_issue, payment_record
from tests.invoicing.factories import account, gross_line, issue

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    import io

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_invoice_pdf_shows_number_totals_and_amount_due(actor, settings):
    settings.SELLER = {**settings.SELLER, "name": "Northwind Training Ltd"}
    inv = issue(
        actor,
        acct=account(),
        lines=[
            gross_line("833.33", "0.20", description="Seven places, Course C"),
            gross_line("41.67", "0.20", description="Transfer fee"),
        ],
        po_number="PO-4471",
    )
    payment_record(actor=actor, invoice=inv, amount=D("300.00"), method="card")
    inv.refresh_from_db()
    filename, content = invoice_pdf(inv)
    assert filename == "INV-000001.pdf" and content.startswith(b"%PDF")
    text = pdf_text(content)
    for expected in [
        "INV-000001",
        "Northwind Training Ltd",
        "PO-4471",
        "Seven places, Course C",
        "£875.00",  # net
        "£175.00",  # VAT
        "£1050.00",  # total
        "£300.00",  # paid
        "£750.00",  # amount due
        "Amount due",
        "Page 1 of 1",
    ]:
        assert expected in text, expected


def test_pdf_is_stored_once_per_state(actor):
    inv = issue(actor)
    invoice_pdf(inv)
    invoice_pdf(inv)
    assert StoredPdf.objects.count() == 1
    payment_record(actor=actor, invoice=inv, amount=D("40.00"), method="card")
    inv.refresh_from_db()
    filename, content, mime = invoice_pdf_attachment(inv.pk)
    assert mime == "application/pdf" and StoredPdf.objects.count() == 2
    assert "£60.00" in pdf_text(content)


def test_credit_note_pdf(actor):
    inv = issue(actor, lines=[gross_line("833.33", "0.20", quantity=1, description="Places")])
    note = credit_note_issue(
        actor=actor, invoice=inv, reason="Two places cancelled", amount=D("400")
    )
    filename, content = credit_note_pdf(note)
    text = pdf_text(content)
    for expected in ["Credit note", "CN-000001", "INV-000001", "£333.33", "£66.67", "£400.00"]:
        assert expected in text, expected
    credit_note_pdf(note)
    assert StoredPdf.objects.filter(kind="credit_note").count() == 1


def test_a_package_line_prints_no_unit_price_that_does_not_multiply_back(actor):
    # 7 places for £1000.00 inc. VAT: net 833.33, whose seventh (119.05) x 7 = 833.35.
    package = LineSpec(
        description="Seven places, Course C",
        unit_net=D("0"),
        vat_rate=D("0.2"),
        quantity=7,
        kind="places",
        line_gross=D("1000.00"),
    )
    inv = issue(actor, lines=[package, gross_line("100.00", "0.2", quantity=3)])
    package_line, course_line = inv.lines.order_by("position")
    assert not package_line.shows_unit_price and course_line.shows_unit_price
    text = pdf_text(invoice_pdf(inv)[1])
    assert "£119.05" not in text
    assert "Package" in text and "Package: 7 for £1000.00 inc. VAT" in text
    assert "£833.33" in text and "£1000.00" in text
    assert "£100.00" in text  # a net-priced line still prints its unit price


def test_the_invoice_page_shows_a_package_the_same_way(finance_client, actor):
    package = LineSpec(
        description="Seven places",
        unit_net=D("0"),
        vat_rate=D("0.2"),
        quantity=7,
        kind="places",
        line_gross=D("1000.00"),
    )
    inv = issue(actor, lines=[package])
    body = finance_client.get(reverse("invoicing:detail", args=[inv.pk])).content.decode()
    assert "£119.05" not in body and "Package: 7 for £1000.00 inc. VAT" in body
