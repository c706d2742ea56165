"""Every delivery attempt of one outbox message carries the same Message-ID (issue 8, "Faults").

Delivery is at least once: a worker that dies after the mail server accepted a message sends
it again. With one Message-ID per outbox message (from its id and the site's domain), mail
clients drop the second copy. Sent through a real SMTP listener.
"""

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.utils import timezone

from notifications.models import OutboxMessage, OutboxState
from notifications.services import (
    SENDING_TIMEOUT,
    Outcome,
    email_queue,
    outbox_deliver,
    outbox_message_id,
)

from .conftest import RecordingHandler

pytestmark = pytest.mark.django_db


class EveryAttempt(RecordingHandler):
    """Keeps the headers of refused attempts too."""

    def __init__(self, refuse: int = 0):
        super().__init__(refuse=refuse)
        self.seen: list = []

    async def handle_DATA(self, server, session, envelope):
        self.seen.append(message_from_bytes(envelope.content, policy=policy.default))
        return await super().handle_DATA(server, session, envelope)


def _queue(to: str = "a@example.test") -> OutboxMessage:
    return email_queue(to=to, template_key="test_email", context={"name": "Ada"})


def test_a_resend_after_a_worker_crash_carries_the_same_message_id(smtp_listener, settings):
    settings.SITE_DOMAIN = "bookings.northwind.example"
    listener = smtp_listener()
    message = _queue()
    assert outbox_deliver(message_id=message.pk).outcome == Outcome.SENT
    # The worker died after the mail server took it: the row is left "sending", and once
    # SENDING_TIMEOUT has passed the sweep delivers it again.
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxState.SENDING,
        last_attempt_at=timezone.now() - SENDING_TIMEOUT - timedelta(minutes=1),
    )
    assert outbox_deliver(message_id=message.pk).outcome == Outcome.SENT

    first, second = listener.messages
    assert first["Message-ID"] == second["Message-ID"] == outbox_message_id(message)
    assert first["Message-ID"].startswith(f"<outbox.{message.pk}.")
    assert first["Message-ID"].endswith("@bookings.northwind.example>")


def test_a_retry_after_a_refusal_carries_the_same_message_id(smtp_listener):
    listener = smtp_listener(refuse=1, start=False)
    listener.handler = EveryAttempt(refuse=1)  # "451 try again later", then accepted
    listener.start()
    message = _queue()
    assert outbox_deliver(message_id=message.pk).outcome == Outcome.RETRY
    assert outbox_deliver(message_id=message.pk).outcome == Outcome.SENT

    refused, accepted = listener.handler.seen
    assert refused["Message-ID"] == accepted["Message-ID"] == outbox_message_id(message)


def test_each_outbox_message_has_its_own_message_id(smtp_listener):
    listener = smtp_listener()
    one, two = _queue("a@example.test"), _queue("b@example.test")
    for message in (one, two):
        outbox_deliver(message_id=message.pk)
    ids = [m["Message-ID"] for m in listener.messages]
    assert ids == [outbox_message_id(one), outbox_message_id(two)] and ids[0] != ids[1]
