import pytest
from django.core import mail

from notifications.models import EmailTemplate, OutboxMessage, OutboxState
from notifications.services import email_queue


@pytest.mark.django_db
def test_email_queue_renders_and_sends_after_commit(django_capture_on_commit_callbacks, admin_user):
    with django_capture_on_commit_callbacks(execute=True):
        message = email_queue(
            to="a@example.test",
            template_key="test_email",
            context={"name": "O'Brien & Co"},
            about=[admin_user],
        )
    message.refresh_from_db()
    assert message.state == OutboxState.SENT
    assert message.subject == "Test email from Northwind Training Ltd"
    assert "Hello O'Brien & Co," in message.body
    assert len(mail.outbox) == 1
    assert EmailTemplate.objects.filter(key="test_email").exists()
    assert OutboxMessage.objects.count() == 1
