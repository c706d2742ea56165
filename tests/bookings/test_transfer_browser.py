"""Transfer in headless Chromium (issue 9): a part-paid delegate moved with a fee from the
booking page; the preview is read, confirmed, then both invoices and the credit note PDF's
text are checked."""

import io
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from bookings.models import PlaceState
from invoicing.models import CreditNote, Invoice

from .transfers import book_one, booked, first_invoice, pay, schedule_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_transfer_a_part_paid_delegate_with_a_fee(page, live_server, admin_user, needs_chromium):
    a = schedule_at("100.00", "0.2000")  # 120.00 with VAT
    b = schedule_at("50.00", "0.2000")  # 60.00 with VAT
    booking = book_one(admin_user, a)
    old = first_invoice(booking)
    pay(admin_user, old, "50.00")
    place = booked(booking)[0]
    name = place.contact.full_name

    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("alice.admin")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + reverse("bookings:detail", args=[booking.pk]))
    page.get_by_role("link", name=f"Transfer {name}").click()
    expect(page.get_by_label("New schedule")).to_be_visible()
    page.get_by_label("New schedule").select_option(value=str(b.pk))
    page.get_by_label("Transfer fee (net, optional)").fill("10.00")
    page.get_by_label("Reason").fill("Asked for a later date")
    page.get_by_role("button", name="Preview").click()

    plan = page.locator("#action-plan")
    expect(plan).to_contain_text("Credit note CN-000001 (provisional number)")
    expect(plan).to_contain_text("Transfer invoice INV-000002 (provisional number)")
    expect(plan).to_contain_text("Transfer fee")
    expect(plan).to_contain_text("£72.00")  # 60.00 + fee 12.00
    expect(plan).to_contain_text("£50.00 → £0.00")  # the old invoice holds nothing after
    expect(plan).to_contain_text("Part Completed")
    expect(plan).to_contain_text(place.contact.email)
    page.get_by_role("button", name="Confirm: Transfer").click()

    expect(page.get_by_text(f"{name} transferred to {b.code}.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(booking.reference))).to_be_visible()
    place.refresh_from_db()
    assert place.state == PlaceState.TRANSFERRED
    old.refresh_from_db()
    new = Invoice.objects.get(kind="transfer")
    assert (old.credited_total, old.paid_total, old.outstanding, old.status) == (
        D("120.00"),
        D("0.00"),
        D("0.00"),
        "Completed",
    )
    assert (new.gross_total, new.paid_total, new.outstanding, new.status) == (
        D("72.00"),
        D("50.00"),
        D("22.00"),
        "Part Completed",
    )
    note = CreditNote.objects.get()
    response = page.request.get(
        live_server.url + reverse("invoicing:credit_note_pdf", args=[note.pk])
    )
    assert response.ok
    text = _pdf_text(response.body())
    for expected in [note.display_no, old.display_no, "£100.00", "£20.00", "£120.00"]:
        assert expected in text, expected
