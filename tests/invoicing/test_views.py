from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from invoicing.models import Allocation, CreditNote, Invoice, Payment, Refund
from invoicing.services import credit_note_issue, payment_record
from tests.actions import (
    HX,
    confirm,
    hidden_fields,
    ledger_counts,
    preview,
    preview_and_confirm,
    submit,
)
from tests.invoicing import invariants
from tests.invoicing.factories import account, gross_line, issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def inv(finance_user):
    return issue(finance_user, lines=[gross_line("100.00", "0", quantity=3)])  # £300


def url(name, *args):
    return reverse(f"invoicing:{name}", args=args)


# --- permissions --------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, inv):
    assert client.get(url("list")).status_code == 302


@pytest.mark.parametrize("name", ["list", "detail", "pdf"])
def test_view_finance_is_required(client, team_leader, inv, name):
    client.force_login(team_leader)
    args = () if name == "list" else (inv.pk,)
    assert client.get(url(name, *args)).status_code == 403


@pytest.mark.parametrize("name", ["payment", "credit_note", "refund", "reallocate", "email"])
def test_manage_finance_is_required_to_change_money(client, team_leader, inv, name):
    client.force_login(team_leader)
    assert client.get(url(name, inv.pk)).status_code == 403
    assert client.post(url(name, inv.pk), {"amount": "10"}).status_code == 403
    assert not Payment.objects.exists() and not CreditNote.objects.exists()


def test_admin_can_manage(admin_client, inv):
    r = preview_and_confirm(
        admin_client,
        url("payment", inv.pk),
        {"amount": "10.00", "method": "card", "reference": "", "received_on": "2020-01-01"},
    )
    assert r.status_code == 302 and Payment.objects.count() == 1


def test_bad_ids_are_404(finance_client):
    for name in ["detail", "pdf", "payment", "credit_note_pdf"]:
        assert finance_client.get(url(name, 999999)).status_code == 404


# --- list ---------------------------------------------------------------------------------------


def test_list_filters_and_htmx_partial(finance_client, finance_user):
    acme = account()
    a = issue(finance_user, acct=acme)
    b = issue(finance_user)
    payment_record(actor=finance_user, invoice=b, amount=D("100"), method="card")
    r = finance_client.get(url("list"))
    body = r.content.decode()
    assert r.status_code == 200 and "<h1>Invoices</h1>" in body
    assert a.display_no in body and b.display_no in body and "Showing 1–2" in body
    r = finance_client.get(url("list"), {"status": "Completed"}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert "<h1>" not in body and b.display_no in body and a.display_no not in body
    r = finance_client.get(url("list"), {"q": "000001"})
    assert a.display_no in r.content.decode() and b.display_no not in r.content.decode()
    r = finance_client.get(url("list"), {"q": "inv-000002"})
    assert b.display_no in r.content.decode()
    r = finance_client.get(url("list"), {"bill_to": acme.name[:6]})
    assert a.display_no in r.content.decode()
    r = finance_client.get(url("list"), {"account": acme.pk})
    assert b.display_no not in r.content.decode()


def test_list_history_restore_gets_the_whole_page(finance_client, finance_user):
    """HTMX asks for the page again when its history cache misses: a fragment would replace
    the whole page with a bare table."""
    inv = issue(finance_user)
    r = finance_client.get(
        url("list"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    body = r.content.decode()
    assert "<h1>Invoices</h1>" in body and "<html" in body and inv.display_no in body


def test_list_overdue_and_bad_filter_input(finance_client, finance_user, time_machine):
    time_machine.move_to("2025-01-10")
    old = issue(finance_user)
    time_machine.move_to("2025-03-01")
    new = issue(finance_user)
    r = finance_client.get(url("list"), {"overdue": "on"})
    body = r.content.decode()
    assert old.display_no in body and new.display_no not in body
    r = finance_client.get(url("list"), {"issued_from": "not-a-date", "status": "bogus"})
    assert r.status_code == 200 and "Please correct the filters" in r.content.decode()
    assert finance_client.get(url("list"), {"page": "x"}).status_code == 200


def test_list_query_count_is_constant(finance_client, finance_user, django_assert_max_num_queries):
    for _ in range(3):
        issue(finance_user)
    with django_assert_max_num_queries(8):
        finance_client.get(url("list"))
    for _ in range(30):
        issue(finance_user)
    with django_assert_max_num_queries(8):
        r = finance_client.get(url("list"), {"q": "Acme", "status": "Outstanding"})
    assert r.status_code == 200


# --- detail -------------------------------------------------------------------------------------


def test_detail_shows_everything_in_constant_queries(
    finance_client, finance_user, inv, django_assert_max_num_queries
):
    payment_record(actor=finance_user, invoice=inv, amount=D("350"), method="card", reference="R9")
    credit_note_issue(actor=finance_user, invoice=inv, reason="one place", amount=D("100"))
    with django_assert_max_num_queries(16):
        r = finance_client.get(url("detail", inv.pk))
    body = r.content.decode()
    for text in [inv.display_no, "CN-000001", "R9", "Overpaid £150.00", "Download PDF",
                 "Refund overpayment", "Payment PAY-", "one place"]:  # fmt: skip
        assert text in body, text
    for _ in range(5):
        payment_record(actor=finance_user, invoice=inv, amount=D("1"), method="cash")
        credit_note_issue(actor=finance_user, invoice=inv, reason="x", amount=D("1"))
    with django_assert_max_num_queries(16):
        finance_client.get(url("detail", inv.pk))


def test_pdf_download(finance_client, inv):
    r = finance_client.get(url("pdf", inv.pk))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")


# --- actions: preview, then confirm (SPEC 10) -----------------------------------------------------

PAY = {"amount": "320.00", "method": "card", "reference": "R-77", "received_on": "2024-05-01"}


def test_record_payment_preview_then_confirm(finance_client, inv):
    r = finance_client.get(url("payment", inv.pk))
    assert r.status_code == 200 and "<h1>Record payment · INV-000001</h1>" in r.content.decode()
    assert ">Preview</button>" in r.content.decode()
    today = timezone.localdate()
    assert f'type="date" name="received_on" value="{today:%Y-%m-%d}"' in r.content.decode()
    before = ledger_counts()
    shown = preview(finance_client, url("payment", inv.pk), PAY)
    body = shown.content.decode()
    assert ledger_counts() == before  # a preview writes nothing, not even a number
    assert shown.status_code == 200 and "What will happen" in body
    for text in [
        "Payments to be recorded", "R-77", "Card", "1 May 2024", "£320.00", "(provisional)",
        "Money allocated", "Money received",
        "Invoices after this change (before → after)",
        "£300.00 → <strong>£0.00</strong>",  # outstanding
        "£0.00 → £20.00",  # overpayment
        "Outstanding → Completed",
        "No email will be sent", "History to be recorded", "(overpaid by £20.00)",
        "Confirm: Record payment",
    ]:  # fmt: skip
        assert text in body, text
    r = confirm(finance_client, url("payment", inv.pk), shown)
    assert r.status_code == 302 and r["Location"] == url("detail", inv.pk)
    payment = Payment.objects.get()
    assert (payment.amount, payment.reference) == (D("320.00"), "R-77")
    inv.refresh_from_db()
    assert (inv.outstanding, inv.overpayment, inv.status) == (D("0"), D("20.00"), "Completed")
    r = finance_client.get(url("detail", inv.pk))
    assert "overpays the invoice by £20.00" in r.content.decode()


def test_record_payment_htmx_returns_the_partial(finance_client, inv):
    r = finance_client.get(url("payment", inv.pk), **HX)
    body = r.content.decode()
    assert r.status_code == 200 and 'id="action-form"' in body and "<h1>" not in body
    assert 'hx-disabled-elt="this"' in body and 'hx-target="#action-form"' in body
    shown = preview(finance_client, url("payment", inv.pk), PAY, **HX)
    body = shown.content.decode()
    assert 'id="action-form"' in body and "<h1>" not in body and "What will happen" in body
    assert not Payment.objects.exists()
    r = confirm(finance_client, url("payment", inv.pk), shown, **HX)
    assert r.status_code == 204 and r["HX-Redirect"] == url("detail", inv.pk)
    assert Payment.objects.count() == 1


def test_change_goes_back_to_the_form_with_the_values(finance_client, inv):
    shown = preview(finance_client, url("payment", inv.pk), PAY)
    fields = {k: v[0] for k, v in hidden_fields(shown.content.decode()).items()}
    r = finance_client.post(url("payment", inv.pk), {**fields, "step": "edit"})
    body = r.content.decode()
    assert 'value="320.00"' in body and ">Preview</button>" in body
    assert "What will happen" not in body and not Payment.objects.exists()


def test_a_post_without_preview_only_previews(finance_client, inv):
    """An old form, a script or a forged confirm without the fingerprint moves no money."""
    r = finance_client.post(url("payment", inv.pk), {**PAY, "step": "confirm"})
    assert r.status_code == 200 and "What will happen" in r.content.decode()
    r = finance_client.post(
        url("payment", inv.pk), {**PAY, "step": "confirm", "fingerprint": "ü" * 64}
    )
    # Nor without the form's one-time token: shown again to confirm, with a token of its own.
    body = r.content.decode()
    assert "This form is out of date" in body and "What will happen" in body
    assert not Payment.objects.exists()


def test_stale_preview_is_refused_with_the_new_preview(finance_client, finance_user, inv):
    shown = preview(finance_client, url("payment", inv.pk), {**PAY, "amount": "100.00"})
    assert "£300.00 → <strong>£200.00</strong>" in shown.content.decode()
    # Someone else records a payment between the preview and the confirm.
    payment_record(actor=finance_user, invoice=inv, amount=D("250.00"), method="cash")
    before = ledger_counts()
    r = confirm(finance_client, url("payment", inv.pk), shown)
    body = r.content.decode()
    assert r.status_code == 200 and ledger_counts() == before  # nothing written
    assert '<p class="message message-error" role="alert">Something changed' in body
    assert "£50.00 → <strong>£0.00</strong>" in body  # the new preview, from that very run
    assert "£0.00 → £50.00" in body and "Part Completed → Completed" in body
    r = confirm(finance_client, url("payment", inv.pk), r)  # confirming the new one works
    assert r.status_code == 302 and Payment.objects.count() == 2


def test_double_confirm_records_one_payment(finance_client, inv):
    shown = preview(finance_client, url("payment", inv.pk), PAY)
    first = confirm(finance_client, url("payment", inv.pk), shown)
    second = confirm(finance_client, url("payment", inv.pk), shown)
    # The second answer is the page of the first payment (core.onetime), not a stale preview.
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == url("detail", inv.pk)
    assert Payment.objects.count() == 1 and Allocation.objects.count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"amount": "-1", "method": "card", "received_on": "2024-05-01"}, "greater than or equal"),
        ({"amount": "abc", "method": "card", "received_on": "2024-05-01"}, "Enter a number"),
        ({"amount": "1.001", "method": "card", "received_on": "2024-05-01"}, "2 decimal"),
        ({"amount": "1", "method": "x", "received_on": "2024-05-01"}, "Select a valid choice"),
        ({"amount": "1", "method": "card", "received_on": "2999-01-01"}, "future"),
    ],
)
def test_bad_payment_input_gives_errors_not_500(finance_client, inv, data, message):
    for step in ("preview", "confirm"):
        r = finance_client.post(url("payment", inv.pk), {**data, "step": step})
        assert r.status_code == 200 and message in r.content.decode()
        assert 'role="alert"' in r.content.decode()
        assert "What will happen" not in r.content.decode()
    assert not Payment.objects.exists()


def test_credit_note_forms(finance_client, inv):
    line = inv.lines.get()
    u = url("credit_note", inv.pk)
    r = preview(finance_client, u, {"mode": "amount", "amount": "400", "reason": "x"})
    assert "cannot exceed £300.00" in r.content.decode() and not CreditNote.objects.exists()
    r = preview(finance_client, u, {"mode": "amount", "reason": "x"})
    assert "Enter the Credit Note Value" in r.content.decode()
    r = preview(finance_client, u, {"mode": "places", "reason": "x"})
    assert "at least one line" in r.content.decode()
    r = preview(finance_client, u, {"mode": "places", f"places_{line.pk}": "4", "reason": "x"})
    assert r.status_code == 200 and "What will happen" not in r.content.decode()
    before = ledger_counts()
    shown = preview(finance_client, u, {"mode": "places", f"places_{line.pk}": "1", "reason": "1"})
    body = shown.content.decode()
    assert ledger_counts() == before
    for text in [
        "Credit note CN-000001 (provisional number) to be issued to",
        "Credits INV-000001", "Proportional by places – 1", line.description,
        "£100.00", "0%", "£300.00 → <strong>£200.00</strong>", "£0.00 → £100.00",
    ]:  # fmt: skip
        assert text in body, text
    r = confirm(finance_client, u, shown)
    assert r.status_code == 302
    note = CreditNote.objects.get()
    assert (note.display_no, note.gross_total, note.places_cancelled) == ("CN-000001", 100, 1)
    r = preview_and_confirm(finance_client, u, {"mode": "full", "reason": "rest"})
    assert r.status_code == 302
    inv.refresh_from_db()
    assert inv.credited


def test_refund_and_reallocate_forms(finance_client, finance_user):
    acct = account()
    a = issue(finance_user, acct=acct)
    b = issue(finance_user, acct=acct)
    payment_record(actor=finance_user, invoice=a, amount=D("180"), method="card")
    r = preview(finance_client, url("refund", a.pk), {"amount": "90", "reason": "x"})
    assert "cannot exceed the overpayment of £80.00" in r.content.decode()
    before = ledger_counts()
    shown = preview(
        finance_client, url("reallocate", a.pk), {"target": b.pk, "amount": "50", "reason": "use"}
    )
    body = shown.content.decode()
    assert ledger_counts() == before
    assert "<td>INV-000001</td><td>INV-000002</td>" in body and "£50.00" in body
    assert "£80.00 → £30.00" in body and "£100.00 → <strong>£50.00</strong>" in body
    assert confirm(finance_client, url("reallocate", a.pk), shown).status_code == 302
    r = preview(finance_client, url("reallocate", a.pk), {"target": a.pk, "amount": "5"})
    assert "Select a valid choice" in r.content.decode()
    shown = preview(finance_client, url("refund", a.pk), {"amount": "30", "reason": "back"})
    body = shown.content.decode()
    assert "Refunds to be paid out" in body and "Completed" in body and "£30.00" in body
    assert not Refund.objects.exists()
    assert confirm(finance_client, url("refund", a.pk), shown).status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.overpayment, b.outstanding) == (D("0.00"), D("50.00"))
    assert Refund.objects.get().amount == D("30.00")


def test_preview_page_queries_do_not_grow_with_rows(
    finance_client, finance_user, django_assert_max_num_queries
):
    def invoice_of(lines: int):
        invoice = issue(
            finance_user,
            lines=[gross_line("10.00", "0.20", description=f"Line {i}") for i in range(lines)],
        )
        for _ in range(lines):
            payment_record(actor=finance_user, invoice=invoice, amount=D("1"), method="cash")
        return url("credit_note", invoice.pk)

    small, big = invoice_of(2), invoice_of(25)
    with django_assert_max_num_queries(45) as few:
        r = preview(finance_client, small, {"mode": "full", "reason": "all"})
    assert r.content.decode().count("<td>Line ") == 2
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = preview(finance_client, big, {"mode": "full", "reason": "all"})
    assert r.content.decode().count("<td>Line ") == 25


def test_send_invoice_email_queues_outbox_with_pdf(finance_client, inv):
    from notifications.models import OutboxMessage

    r = finance_client.get(url("email", inv.pk))
    assert ">Send</button>" in r.content.decode() and "Preview" not in r.content.decode()
    r = finance_client.post(url("email", inv.pk), {"to": "not-an-email"})
    assert "valid email" in r.content.decode() and not OutboxMessage.objects.exists()
    r = submit(finance_client, url("email", inv.pk), {"to": "ap@acme.example"})  # no preview
    assert r.status_code == 302
    message = OutboxMessage.objects.get()
    assert message.to == ["ap@acme.example"] and inv.display_no in message.subject
    assert message.attachments == [["invoice_pdf", inv.pk]]
    body = finance_client.get(url("detail", inv.pk)).content.decode()
    assert "Resend invoice email" in body and message.subject in body
    assert Invoice.objects.get(pk=inv.pk).status == "Outstanding"


def test_send_credit_note_email(finance_client, finance_user, inv):
    from notifications.models import OutboxMessage

    note = credit_note_issue(actor=finance_user, invoice=inv, reason="x", amount=D("50"))
    r = submit(finance_client, url("credit_note_email", note.pk), {"to": "ap@acme.example"})
    assert r.status_code == 302
    message = OutboxMessage.objects.get()
    assert note.display_no in message.subject
    assert message.attachments == [["credit_note_pdf", note.pk]]
    assert finance_client.get(url("credit_note_email", 99999)).status_code == 404


def test_list_pages_without_counting(finance_client, finance_user, settings):
    from invoicing import views

    for _ in range(3):
        issue(finance_user)
    original, views.PAGE_SIZE = views.PAGE_SIZE, 2
    try:
        first = finance_client.get(url("list")).content.decode()
        second = finance_client.get(url("list"), {"page": "2"}).content.decode()
    finally:
        views.PAGE_SIZE = original
    assert "INV-000003" in first and "INV-000001" not in first and 'rel="next"' in first
    assert "INV-000001" in second and 'rel="prev"' in second and 'rel="next"' not in second


# --- money limits as form errors ----------------------------------------------------------------


def test_amounts_above_a_million_are_form_errors(finance_client, finance_user):
    acct = account()
    a = issue(finance_user, acct=acct)
    b = issue(finance_user, acct=acct)
    payment_record(actor=finance_user, invoice=a, amount=D("150"), method="card")
    day = {"method": "card", "received_on": "2024-05-01"}
    posts = [
        ("payment", {"amount": "1000000.01", **day}),
        ("credit_note", {"mode": "amount", "amount": "1000000.01", "reason": "x"}),
        ("refund", {"amount": "1000000.01", "reason": "x"}),
        ("reallocate", {"target": b.pk, "amount": "1000000.01"}),
    ]
    before = invariants.snapshot()
    for name, data in posts:
        r = finance_client.post(url(name, a.pk), data)
        body = r.content.decode()
        assert r.status_code == 200 and "An amount cannot exceed £1,000,000.00" in body, name
    for amount, message in [("1e30", "no more than 12 digits"), ("0.001", "2 decimal places")]:
        r = finance_client.post(url("payment", a.pk), {"amount": amount, **day})
        assert r.status_code == 200 and message in r.content.decode()
    assert invariants.snapshot() == before


def test_a_payment_past_the_overpayment_limit_is_a_form_error(finance_client, finance_user):
    inv = issue(finance_user, lines=[gross_line("10.00", "0")])
    data = {"amount": "1000000.00", "method": "bank_transfer", "received_on": "2024-05-01"}
    assert preview_and_confirm(finance_client, url("payment", inv.pk), data).status_code == 302
    r = finance_client.post(url("payment", inv.pk), data)
    body = r.content.decode()
    assert r.status_code == 200 and 'role="alert"' in body
    assert "an invoice may hold at most £1,000,000.00 more than it is due" in body
    assert "record at most £10.00 here" in body
    assert Payment.objects.count() == 1
