"""End to end with real services: Redis broker, a Celery worker thread, an SMTP listener.

These run whenever Redis is reachable and fail (never skip) when CI=true and it is not.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import OutboxMessage, OutboxState
from notifications.services import email_queue

from .conftest import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _state(message: OutboxMessage) -> OutboxMessage:
    message.refresh_from_db()
    return message


def test_worker_delivers_through_smtp_with_attachment(
    celery_worker, smtp_listener, attachment_kind, admin_user
):
    listener = smtp_listener()
    with transaction.atomic():
        message = email_queue(
            to=["alice@example.test", "bob@example.test"],
            template_key="test_email",
            context={"name": "Alice"},
            attachments=[("test_doc", 7)],
            about=[admin_user],
        )

    wait_for(lambda: _state(message).state == OutboxState.SENT)
    assert len(listener.messages) == 1
    received = listener.messages[0]
    assert received["Subject"] == "Test email from Northwind Training Ltd"
    assert received["To"] == "alice@example.test, bob@example.test"
    assert received["X-Outbox-Message"] == str(message.pk)
    assert listener.handler.envelopes[0][1] == ["alice@example.test", "bob@example.test"]
    assert "Hello Alice," in received.get_body(("plain",)).get_content()
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "doc-7.txt"
    assert attachment.get_content().strip() == "Document number 7"  # CRLF on the wire
    assert (message.attempts, message.last_error) == (1, "")
    assert message.sent_at is not None


def test_worker_retries_while_smtp_is_down_and_delivers_when_it_is_back(
    celery_worker, smtp_listener
):
    listener = smtp_listener(start=False)  # the port is closed: connection refused
    with transaction.atomic():
        message = email_queue(to="a@example.test", template_key="test_email", context={})

    wait_for(lambda: _state(message).attempts >= 1 and message.last_error)
    assert message.state in (OutboxState.PENDING, OutboxState.SENDING)
    assert "refused" in message.last_error.lower()
    assert listener.messages == []

    listener.start()  # the mail server comes back before the next retry
    wait_for(lambda: _state(message).state == OutboxState.SENT)
    assert message.attempts >= 2
    assert [m["Subject"] for m in listener.messages] == ["Test email from Northwind Training Ltd"]


def test_worker_gives_up_after_max_attempts_when_the_server_keeps_refusing(
    celery_worker, smtp_listener, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    listener = smtp_listener(refuse=99)  # "451 Try again later", every time
    with transaction.atomic():
        message = email_queue(to="a@example.test", template_key="test_email", context={})

    wait_for(lambda: _state(message).state == OutboxState.FAILED)
    assert message.attempts == 2 and listener.handler.attempts == 2
    assert "451" in message.last_error and "Try again later" in message.last_error
    assert listener.messages == []


def test_sweep_enqueues_a_message_the_broker_never_got(celery_worker, smtp_listener):
    from notifications.tasks import outbox_sweep

    listener = smtp_listener()
    # Written while the broker was down: a pending row nobody enqueued, now overdue.
    message = OutboxMessage.objects.create(
        to=["late@example.test"],
        from_email="bookings@example.test",
        subject="Queued while the broker was down",
        body="Hello",
        next_attempt_at=timezone.now() - timedelta(minutes=2),
    )
    outbox_sweep.delay()  # what beat does every minute; runs on the worker too

    wait_for(lambda: _state(message).state == OutboxState.SENT)
    assert [m["Subject"] for m in listener.messages] == ["Queued while the broker was down"]


def test_without_a_worker_the_message_waits_in_the_broker(eager_off, transactional_db):
    """Eager mode off and no worker: the request still succeeds and the row stays pending."""
    with transaction.atomic():
        message = email_queue(to="a@example.test", template_key="test_email", context={})
    assert _state(message).state == OutboxState.PENDING
    assert message.attempts == 0
