"""Queueing many emails in one go, and compiled templates kept per process until edited."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError
from notifications.models import EmailTemplate, OutboxLink, OutboxMessage
from notifications.services import EmailToQueue, email_queue, email_queue_many, templates

pytestmark = pytest.mark.django_db


def test_many_emails_cost_the_same_statements_as_two(admin_user, nobody):
    def queue(n: int) -> int:
        emails = [
            EmailToQueue(
                to=f"p{i}@example.test",
                template_key="test_email",
                context={"name": f"P{i}"},
                about=[admin_user, nobody],
            )
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as ctx:
            messages = email_queue_many(actor=admin_user, emails=emails)
        assert [m.to for m in messages] == [[f"p{i}@example.test"] for i in range(n)]
        assert all(m.pk for m in messages)
        return len(ctx.captured_queries)

    queue(1)  # a server's content-type cache is warm
    assert queue(2) == queue(12)
    assert OutboxMessage.objects.count() == 15
    assert OutboxLink.objects.count() == 30
    assert OutboxMessage.objects.get(to=["p11@example.test"]).body.startswith("Hello P11,")


def test_one_bad_address_queues_none_of_them():
    emails = [
        EmailToQueue(to="ok@example.test", template_key="test_email", context={}),
        EmailToQueue(to="bad@", template_key="test_email", context={}),
    ]
    with pytest.raises(DomainError):
        email_queue_many(actor=None, emails=emails)
    assert not OutboxMessage.objects.exists()


def test_a_template_is_compiled_once_and_an_edit_is_seen_at_once():
    templates._compiled.cache_clear()
    for name in ("Ann", "Bob", "Cy"):
        email_queue(to="a@example.test", template_key="test_email", context={"name": name})
    info = templates._compiled.cache_info()
    assert info.misses == 2 and info.hits == 4  # subject and body, compiled on the first email

    # Edited behind the service's back (no updated_at change): the text is the key.
    EmailTemplate.objects.filter(key="test_email").update(subject="Changed for {{ name }}")
    message = email_queue(to="a@example.test", template_key="test_email", context={"name": "Di"})
    assert message.subject == "Changed for Di"
