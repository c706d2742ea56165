"""One-time forms (core.onetime, issue 8 "Double submits"): a double click, a retry or the
back button makes one change and then answers with the page of that change."""

import datetime
import threading
from decimal import Decimal as D

import pytest
from django.db import close_old_connections, connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from bookings import services as bookings
from bookings.models import Booking, BookingStatus
from contacts.models import Contact
from core import onetime
from core.models import AuditEvent, FormToken
from invoicing.models import Allocation, CreditNote, Payment
from invoicing.services import payment_record
from tests.actions import HX, confirm, form_token, hidden_fields, ledger_counts, preview
from tests.bookings.factories import ContactFactory, ScheduleFactory
from tests.invoicing.factories import gross_line, issue

pytestmark = pytest.mark.django_db

PAY = {"amount": "50.00", "method": "card", "reference": "R-1", "received_on": "2024-05-01"}
ALREADY = "This was already done"


@pytest.fixture
def inv(finance_user):
    return issue(finance_user, lines=[gross_line("100.00", "0", quantity=3)])  # £300


def url(name, *args):
    return reverse(f"invoicing:{name}", args=args)


def messages_on(client, page: str) -> str:
    return client.get(page).content.decode()


# --- money: a confirm posted twice ------------------------------------------------------------


def test_payment_confirmed_twice_is_one_payment_and_the_page_of_the_first(finance_client, inv):
    shown = preview(finance_client, url("payment", inv.pk), PAY)
    first = confirm(finance_client, url("payment", inv.pk), shown)
    before = ledger_counts()
    second = confirm(finance_client, url("payment", inv.pk), shown)  # double click / retry
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == url("detail", inv.pk)
    assert ledger_counts() == before  # nothing written, not even history
    assert Payment.objects.count() == 1 and Allocation.objects.count() == 1
    page = messages_on(finance_client, second["Location"])
    assert ALREADY in page and "Record payment" in page
    assert "Something changed since the preview" not in page


def test_payment_confirmed_twice_with_htmx(finance_client, inv):
    shown = preview(finance_client, url("payment", inv.pk), PAY, **HX)
    first = confirm(finance_client, url("payment", inv.pk), shown, **HX)
    second = confirm(finance_client, url("payment", inv.pk), shown, **HX)
    assert first.status_code == second.status_code == 204
    assert first["HX-Redirect"] == second["HX-Redirect"] == url("detail", inv.pk)
    assert Payment.objects.count() == 1
    assert ALREADY in messages_on(finance_client, url("detail", inv.pk))


def test_payment_token_is_consumed_with_the_payment(finance_client, inv):
    shown = preview(finance_client, url("payment", inv.pk), PAY)
    token = hidden_fields(shown.content.decode())["form_token"][0]
    confirm(finance_client, url("payment", inv.pk), shown)
    row = FormToken.objects.get()
    assert token.startswith(row.key) and row.result_url == url("detail", inv.pk)
    assert row.title == "Record payment" and row.scope == url("payment", inv.pk)


def test_two_confirms_at_the_same_moment_make_one_payment(
    needs_postgres, transactional_db, finance_user
):
    """The unique index is the guard: the second insert waits for the first to commit."""
    inv = issue(finance_user, lines=[gross_line("100.00", "0", quantity=3)])
    request = RequestFactory().get(url("payment", inv.pk))
    request.user = finance_user
    request.method = "POST"
    request.POST = {onetime.FIELD: onetime.issue(request)}
    claim = onetime.posted(request)
    assert claim is not None
    barrier = threading.Barrier(4)
    results, errors = [], []

    def run():
        close_old_connections()
        try:
            barrier.wait()
            results.append(
                onetime.run_once(
                    claim=claim,
                    title="Record payment",
                    url="/done/",
                    fn=lambda: payment_record(
                        actor=finance_user, invoice=inv, amount=D("50.00"), method="card"
                    ),
                )
            )
        except onetime.AlreadyDone as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 1 and len(errors) == 3
    assert all(e.url == "/done/" for e in errors)
    assert Payment.objects.count() == 1


# --- a preview does not consume the token -----------------------------------------------------


def test_a_preview_does_not_consume_the_token(finance_client, inv):
    page = finance_client.get(url("payment", inv.pk)).content.decode()
    token = hidden_fields(page)["form_token"][0]
    shown = finance_client.post(
        url("payment", inv.pk), {**PAY, "step": "preview", "form_token": token}
    )
    again = finance_client.post(
        url("payment", inv.pk), {**PAY, "step": "preview", "form_token": token}
    )
    assert not FormToken.objects.exists() and not Payment.objects.exists()
    # the same token goes on through the confirm step and is consumed there only
    assert hidden_fields(shown.content.decode())["form_token"] == [token]
    assert hidden_fields(again.content.decode())["form_token"] == [token]
    assert confirm(finance_client, url("payment", inv.pk), again).status_code == 302
    assert Payment.objects.count() == 1 and FormToken.objects.count() == 1


def test_a_stale_confirm_gives_the_token_back(finance_client, finance_user, inv):
    shown = preview(finance_client, url("payment", inv.pk), PAY)
    payment_record(actor=finance_user, invoice=inv, amount=D("250.00"), method="cash")
    stale = confirm(finance_client, url("payment", inv.pk), shown)
    assert "Something changed since the preview" in stale.content.decode()
    assert not FormToken.objects.exists()
    assert confirm(finance_client, url("payment", inv.pk), stale).status_code == 302
    assert Payment.objects.count() == 2


def test_change_keeps_the_token(finance_client, inv):
    shown = preview(finance_client, url("payment", inv.pk), PAY)
    fields = {k: v[0] for k, v in hidden_fields(shown.content.decode()).items()}
    back = finance_client.post(url("payment", inv.pk), {**fields, "step": "edit"})
    assert hidden_fields(back.content.decode())["form_token"] == [fields["form_token"]]


def test_preview_of_a_used_form_answers_already_done(finance_client, inv):
    """The back button to the form step, then "Preview" again: the page of the change."""
    shown = preview(finance_client, url("payment", inv.pk), PAY)
    token = hidden_fields(shown.content.decode())["form_token"][0]
    confirm(finance_client, url("payment", inv.pk), shown)
    r = finance_client.post(url("payment", inv.pk), {**PAY, "step": "preview", "form_token": token})
    assert r.status_code == 302 and r["Location"] == url("detail", inv.pk)
    assert Payment.objects.count() == 1


# --- a token belongs to one form, one object and one user --------------------------------------


def test_a_token_cannot_be_replayed_on_another_object(finance_client, finance_user, inv):
    other = issue(finance_user, lines=[gross_line("100.00", "0")])
    shown = preview(finance_client, url("payment", inv.pk), PAY)
    fields = {k: v[0] for k, v in hidden_fields(shown.content.decode()).items()}
    before = ledger_counts()
    r = finance_client.post(url("payment", other.pk), {**fields, "step": "confirm"})
    body = r.content.decode()
    assert r.status_code == 200 and "This form is out of date" in body
    assert ledger_counts() == before and not FormToken.objects.exists()
    # nor on another form of the same object
    r = finance_client.post(
        url("email", inv.pk), {"to": "ap@acme.example", "form_token": fields["form_token"]}
    )
    assert "This form is out of date" in r.content.decode()
    assert ledger_counts() == before and not FormToken.objects.exists()
    # the token still works where it was issued
    assert confirm(finance_client, url("payment", inv.pk), shown).status_code == 302


def test_a_token_cannot_be_used_by_another_user(client, admin_user, finance_user, inv):
    client.force_login(finance_user)
    shown = preview(client, url("payment", inv.pk), PAY)
    client.force_login(admin_user)
    r = confirm(client, url("payment", inv.pk), shown)
    assert r.status_code == 200 and "This form is out of date" in r.content.decode()
    assert not Payment.objects.exists()


def test_forged_and_expired_tokens_are_refused(admin_user, monkeypatch, settings):
    factory = RequestFactory()
    request = factory.get("/x/")
    request.user = admin_user
    token = onetime.issue(request)

    def posting(value, path="/x/"):
        r = factory.post(path, {onetime.FIELD: value})
        r.user = admin_user
        return onetime.posted(r)

    assert posting(token) is not None
    assert posting(token, "/y/") is None
    nonce, issued, mac = token.split(".")
    for forged in ("", "x", f"{nonce}.{issued}.{'0' * 32}", f"{'a' * 32}.{issued}.{mac}", "é" * 99):
        assert posting(forged) is None, forged
    settings.FORM_TOKEN_MAX_AGE = 3600
    later = onetime.time.time() + 3601
    monkeypatch.setattr(onetime.time, "time", lambda: later)
    assert posting(token) is None


def test_used_tokens_are_purged_once_their_forms_expired(admin_user, settings):
    settings.FORM_TOKEN_MAX_AGE = 3600
    now = timezone.now()
    for key, age in (("a" * 32, 7200), ("b" * 32, 600)):
        FormToken.objects.create(
            key=key, scope="/x/", title="t", used_at=now - datetime.timedelta(seconds=age)
        )
    assert onetime.purge() == 1
    assert list(FormToken.objects.values_list("key", flat=True)) == ["b" * 32]


# --- non-money actions through the action page -------------------------------------------------


def test_back_button_replay_of_a_cancel(admin_client, admin_user):
    booking = bookings.booking_create(
        actor=admin_user, kind="individual", schedule=ScheduleFactory(), student=ContactFactory()
    )
    page = reverse("bookings:detail", args=[booking.pk])
    cancel = reverse("bookings:cancel", args=[booking.pk])
    shown = preview(admin_client, cancel, {"reason": "Moved away"})
    assert confirm(admin_client, cancel, shown).status_code == 302
    history = AuditEvent.objects.count()
    # the back button shows the confirm page again; Confirm posts the same form once more
    replay = confirm(admin_client, cancel, shown)
    assert replay.status_code == 302 and replay["Location"] == page
    assert ALREADY in messages_on(admin_client, page)
    assert CreditNote.objects.count() == 1 and AuditEvent.objects.count() == history
    # back to the form step and "Preview": the same answer, nothing previewed
    token = hidden_fields(shown.content.decode())["form_token"][0]
    r = admin_client.post(cancel, {"reason": "Moved away", "step": "preview", "form_token": token})
    assert r.status_code == 302 and r["Location"] == page


def test_one_step_action_posted_twice(finance_client, inv):
    from notifications.models import OutboxMessage

    email = url("email", inv.pk)
    token = form_token(finance_client, email)
    data = {"to": "ap@acme.example", "form_token": token}
    first = finance_client.post(email, data, **HX)
    second = finance_client.post(email, data, **HX)
    assert first.status_code == second.status_code == 204
    assert second["HX-Redirect"] == url("detail", inv.pk)
    assert OutboxMessage.objects.count() == 1


def test_one_step_action_without_a_token_changes_nothing(finance_client, inv):
    from notifications.models import OutboxMessage

    r = finance_client.post(url("email", inv.pk), {"to": "ap@acme.example"})
    body = r.content.decode()
    assert r.status_code == 200 and "This form is out of date" in body
    assert 'name="form_token"' in body  # shown again with a token: submitting it works
    token = hidden_fields(body)["form_token"][0]
    r = finance_client.post(url("email", inv.pk), {"to": "ap@acme.example", "form_token": token})
    assert r.status_code == 302 and OutboxMessage.objects.count() == 1


# --- one-click status buttons --------------------------------------------------------------------


def test_a_status_change_posted_twice(admin_client, admin_user):
    started = ScheduleFactory(start_at=timezone.now() - datetime.timedelta(hours=2))
    booking = bookings.booking_create(
        actor=admin_user, kind="individual", schedule=started, student=ContactFactory()
    )
    page = reverse("bookings:detail", args=[booking.pk])
    status = reverse("bookings:status", args=[booking.pk])
    html = admin_client.get(page).content.decode()
    assert f'hx-post="{status}" hx-disabled-elt="this"' in html
    token = form_token(admin_client, status, page)
    data = {"to": BookingStatus.COMPLETED, "form_token": token}
    first = admin_client.post(status, data)
    history = AuditEvent.objects.count()
    second = admin_client.post(status, data, **HX)
    assert first.status_code == 302 and second.status_code == 204
    assert second["HX-Redirect"] == page
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED and AuditEvent.objects.count() == history
    shown = messages_on(admin_client, page)
    assert ALREADY in shown and "Mark completed" in shown
    assert "cannot" not in shown  # not the state machine's refusal


def test_a_status_change_without_its_token_is_refused(admin_client, admin_user):
    started = ScheduleFactory(start_at=timezone.now() - datetime.timedelta(hours=2))
    booking = bookings.booking_create(
        actor=admin_user, kind="individual", schedule=started, student=ContactFactory()
    )
    status = reverse("bookings:status", args=[booking.pk])
    r = admin_client.post(status, {"to": BookingStatus.COMPLETED}, follow=True)
    assert "This form is out of date" in r.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    other = bookings.booking_create(
        actor=admin_user, kind="individual", schedule=started, student=ContactFactory()
    )
    foreign = form_token(admin_client, status, reverse("bookings:detail", args=[booking.pk]))
    admin_client.post(
        reverse("bookings:status", args=[other.pk]),
        {"to": BookingStatus.COMPLETED, "form_token": foreign},
    )
    assert Booking.objects.get(pk=other.pk).status == BookingStatus.CONFIRMED


# --- plain create / edit forms -------------------------------------------------------------------


def test_a_create_form_posted_twice_makes_one_contact(admin_client):
    create = reverse("contacts:create")
    data = {
        "first_name": "Ann",
        "last_name": "Smith",
        "form_token": form_token(admin_client, create),
    }
    first = admin_client.post(create, data)
    second = admin_client.post(create, data)
    contact = Contact.objects.get()
    assert first["Location"] == second["Location"] == reverse("contacts:detail", args=[contact.pk])
    assert ALREADY in messages_on(admin_client, second["Location"])


def test_every_form_that_changes_something_is_one_time():
    """Every POST form of the templates carries a one-time token (or is an action page or
    the booking form, which have their own); a form added later without one fails here."""
    import re
    from pathlib import Path

    from django.conf import settings

    exempt = {
        "registration/login.html",  # signing in changes nothing twice
        "base.html",  # log out
        "core/my_account.html",  # password change: the same password twice
        "bookings/add.html",  # its own token, tied to what was submitted
        "accounts/_invitation_card.html",  # choosing a password: the link's token is one-time
        "includes/action_page.html",  # {{ form_token }} from core.web.action_view
        # the Outbox and email templates (notifications): idempotent retries and saves
        "notifications/outbox.html",
        "notifications/message.html",
        "notifications/template_edit.html",
    }
    root = Path(settings.BASE_DIR) / "templates"
    missing = []
    for path in sorted(root.rglob("*.html")):
        name = path.relative_to(root).as_posix()
        text = path.read_text()
        for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", text, re.S | re.I):
            if name not in exempt and "{% form_token" not in form:
                missing.append(name)
    assert missing == []
