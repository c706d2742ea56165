"""The outbox and real transactions: nothing written or sent for a change that rolls back,
and a broker that is down never fails the change (the sweep sends the message later)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications.models import OutboxMessage, OutboxState
from notifications.services import email_queue

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


def test_nothing_is_written_or_sent_when_the_transaction_rolls_back(admin_user):
    with pytest.raises(Boom), transaction.atomic():
        email_queue(to="a@example.test", template_key="test_email", context={}, about=[admin_user])
        assert OutboxMessage.objects.count() == 1  # visible inside the caller's transaction
        raise Boom  # the business change fails after queueing its email
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


def test_a_rolled_back_savepoint_drops_its_email_but_not_the_others():
    with transaction.atomic():
        kept = email_queue(to="kept@example.test", template_key="test_email", context={})
        with pytest.raises(Boom), transaction.atomic():
            email_queue(to="dropped@example.test", template_key="test_email", context={})
            raise Boom
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [kept.pk]
    assert [m.to for m in mail.outbox] == [["kept@example.test"]]


def test_committed_email_is_sent_after_commit_not_before():
    with transaction.atomic():
        message = email_queue(to="a@example.test", template_key="test_email", context={})
        assert mail.outbox == []
    message.refresh_from_db()
    assert message.state == OutboxState.SENT
    assert len(mail.outbox) == 1


def test_broker_down_does_not_fail_the_change_and_the_sweep_sends_it(monkeypatch, caplog):
    from notifications import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.outbox_send, "delay", broker_down)
    with transaction.atomic():
        message = email_queue(to="a@example.test", template_key="test_email", context={})
    message.refresh_from_db()
    assert message.state == OutboxState.PENDING and mail.outbox == []
    assert "the sweep will send them" in caplog.text

    monkeypatch.undo()  # the broker is back
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=2)
    )
    assert tasks.outbox_sweep() == 1
    message.refresh_from_db()
    assert message.state == OutboxState.SENT and len(mail.outbox) == 1
