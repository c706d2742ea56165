"""Password reset by email (issue 8): the link goes through the outbox with an editable
template, works once, ends every session, and is in the history; nobody else reads it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from core.emails import PASSWORD_RESET
from core.models import AuditEvent
from notifications.models import EmailTemplate, OutboxMessage
from notifications.selectors import emails_about
from notifications.services import email_template_update

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/reset/[^/\s]+/[^/\s]+/)")


def ask(client, email="alice.admin@example.test"):
    return client.post("/password-reset/", {"email": email})


def reset_link(message: OutboxMessage) -> str:
    return LINK.search(message.body).group(1)


def set_password(client, link: str, password: str = "Correct-Horse-9"):
    form = client.get(link)  # moves the token into the session and away from the URL
    assert form.status_code == 302, form.status_code
    return client.post(form.url, {"new_password1": password, "new_password2": password})


def test_the_reset_email_is_queued_in_the_outbox_not_sent_directly(
    client, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = ask(client)
    assert response.status_code == 302 and response.url == "/password-reset/sent/"
    assert mail.outbox == []  # nothing went to the mail server from the request
    (message,) = OutboxMessage.objects.filter(template_key=PASSWORD_RESET)
    assert message.to == ["alice.admin@example.test"]
    assert message.subject == "Set a new password for Training Desk"
    assert "Hello Alice Admin," in message.body and "“alice.admin”" in message.body
    assert "within 1 hour" in message.body
    assert reset_link(message)
    assert len(callbacks) == 1  # the outbox sender, after commit
    assert list(emails_about(admin_user)) == [message]
    (event,) = AuditEvent.objects.for_object(admin_user)
    assert event.summary == "Password reset link emailed to alice.admin@example.test"


def test_an_unknown_address_gets_the_same_page_and_no_email(client, admin_user):
    response = ask(client, "nobody@example.test")
    assert response.status_code == 302 and response.url == "/password-reset/sent/"
    assert not OutboxMessage.objects.exists()
    assert "If an account has that address" in client.get(response.url).content.decode()


def test_asking_again_within_five_minutes_sends_no_second_email(client, admin_user):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        ask(client)
        ask(client)
        clock.shift(timedelta(minutes=4))
        assert ask(client).status_code == 302
        assert OutboxMessage.objects.filter(template_key=PASSWORD_RESET).count() == 1
        clock.shift(timedelta(minutes=2))
        ask(client)
        assert OutboxMessage.objects.filter(template_key=PASSWORD_RESET).count() == 2


def test_the_link_sets_a_new_password_once_and_ends_every_session(client, admin_user):
    elsewhere = type(client)()
    elsewhere.force_login(admin_user)
    assert elsewhere.get("/account/").status_code == 200

    ask(client)
    link = reset_link(OutboxMessage.objects.get(template_key=PASSWORD_RESET))
    response = set_password(client, link)
    assert response.status_code == 302 and response.url == "/reset/done/"
    assert "logged out everywhere else" in client.get(response.url).content.decode()

    admin_user.refresh_from_db()
    assert admin_user.check_password("Correct-Horse-9")
    # The session on the other computer is over.
    response = elsewhere.get("/account/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    # The link worked once.
    page = type(client)().get(link, follow=True)
    assert "This link has already been used or has expired." in page.content.decode()

    changed = AuditEvent.objects.for_object(admin_user).filter(action="password_changed").get()
    assert changed.summary == "Password set with an emailed reset link"
    assert changed.actor == admin_user
    assert (
        client.post(
            "/login/", {"username": "alice.admin", "password": "Correct-Horse-9"}
        ).status_code
        == 302
    )


def test_a_weak_new_password_is_refused_with_a_message(client, admin_user):
    ask(client)
    link = reset_link(OutboxMessage.objects.get(template_key=PASSWORD_RESET))
    response = set_password(client, link, "password")
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.check_password("pw")


def test_the_link_expires(client, admin_user, settings):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        ask(client)
        link = reset_link(OutboxMessage.objects.get(template_key=PASSWORD_RESET))
        clock.shift(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1))
        page = client.get(link, follow=True)
    assert "This link has already been used or has expired." in page.content.decode()


def test_the_email_template_is_editable(client, admin_user):
    template = EmailTemplate.objects.get(key=PASSWORD_RESET)
    email_template_update(
        actor=admin_user,
        template=template,
        subject="Your {{ seller.name }} password",
        body="Reset it here: {{ reset_url }} ({{ valid_for }})",
    )
    ask(client)
    message = OutboxMessage.objects.get(template_key=PASSWORD_RESET)
    assert message.subject == "Your Northwind Training Ltd password"
    assert message.body.startswith("Reset it here: http://testserver/reset/")


def test_staff_who_read_the_outbox_never_see_the_link(client, admin_user, finance_user):
    ask(client)
    message = OutboxMessage.objects.get(template_key=PASSWORD_RESET)
    client.force_login(finance_user)  # may read the outbox
    page = client.get(f"/notifications/outbox/{message.pk}/").content.decode()
    assert "alice.admin@example.test" in page and "one-time link to set a password" in page
    assert reset_link(message) not in page and "/reset/" not in page
    assert client.get(f"/notifications/outbox/{message.pk}/html/").status_code == 404


def test_the_log_in_page_offers_the_reset(client):
    assert 'href="/password-reset/"' in client.get("/login/").content.decode()
