"""The shared action page in headless Chromium: with HTMX (the form swapped into the invoice
page, preview, confirm, a double click) and without JavaScript (plain posts)."""

from decimal import Decimal

import pytest

from invoicing.models import Payment
from tests.invoicing.factories import gross_line, issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect


def _login(page, live_server):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("fiona.finance")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()


def test_preview_and_confirm_with_htmx(needs_chromium, live_server, page, finance_user):
    invoice = issue(finance_user, lines=[gross_line("100.00", "0")])
    _login(page, live_server)
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    page.get_by_role("link", name="Record payment").click()  # hx-get into the action panel
    panel = page.locator("#action-panel")
    expect(panel.get_by_role("heading", name="Record payment – INV-000001")).to_be_visible()
    assert page.url.endswith(f"/invoices/{invoice.pk}/")  # still the invoice page
    panel.get_by_label("Amount (£)").fill("60.00")
    panel.get_by_label("Reference").fill("BACS 123")
    panel.get_by_role("button", name="Preview").click()
    balances = panel.get_by_role("table", name="Invoices after this change (before → after)")
    expect(balances).to_contain_text("£100.00 → £40.00")
    expect(balances).to_contain_text("Outstanding → Part Completed")
    assert not Payment.objects.exists()
    panel.get_by_role("button", name="Confirm: Record payment").dblclick()  # an eager user
    # HX-Redirect to the invoice, with the message
    expect(page.locator("#messages")).to_contain_text("of £60.00 recorded")
    expect(page.locator("#action-panel")).to_be_empty()
    [payment] = Payment.objects.all()
    assert (payment.amount, payment.reference) == (Decimal("60.00"), "BACS 123")


def test_preview_and_confirm_without_javascript(needs_chromium, live_server, browser, finance_user):
    invoice = issue(finance_user, lines=[gross_line("100.00", "0")])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        _login(page, live_server)
        page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
        page.get_by_role("link", name="Record payment").click()  # a plain link to the page
        expect(page.get_by_role("heading", name="Record payment · INV-000001")).to_be_visible()
        page.get_by_label("Amount (£)").fill("100.00")
        page.get_by_role("button", name="Preview").click()
        expect(page.get_by_role("table", name="Payments to be recorded")).to_contain_text("£100.00")
        page.get_by_role("button", name="Change").click()  # back to the form, values kept
        expect(page.get_by_label("Amount (£)")).to_have_value("100.00")
        page.get_by_role("button", name="Preview").click()
        page.get_by_role("button", name="Confirm: Record payment").click()
        expect(page.locator("#messages")).to_contain_text("of £100.00 recorded")
        expect(page.get_by_role("heading", name="Invoice INV-000001")).to_be_visible()
        assert Payment.objects.get().amount == Decimal("100.00")
    finally:
        context.close()
