import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEvent
from notifications import attachments
from notifications.models import EmailTemplate, OutboxLink, OutboxMessage, OutboxState
from notifications.selectors import emails_about, outbox_due_for_sweep
from notifications.services import (
    Outcome,
    email_queue,
    email_render,
    email_template_check,
    email_template_defaults,
    email_template_get,
    email_template_reset,
    email_template_update,
    email_templates_sync,
    outbox_deliver,
    outbox_retry,
)

from .factories import EmailTemplateFactory, OutboxMessageFactory

pytestmark = pytest.mark.django_db


# --- Templates and rendering ------------------------------------------------------------------


def test_defaults_are_collected_from_every_app_emails_module():
    defaults = email_template_defaults()
    assert defaults["test_email"]["name"] == "Test email"


@pytest.mark.parametrize("key", sorted(email_template_defaults()))
def test_every_declared_default_template_renders_with_its_example(key):
    spec = email_template_defaults()[key]
    assert spec["name"] and spec["subject"].strip() and spec["body"].strip()
    errors = email_template_check(
        subject=spec["subject"],
        body=spec["body"],
        html_body=spec.get("html_body", ""),
        context=spec.get("example", {}),
    )
    assert errors == {}


def test_default_templates_exist_after_migrate():
    # post_migrate of the notifications app created the row (the test database was migrated).
    keys = set(EmailTemplate.objects.values_list("key", flat=True))
    assert set(email_template_defaults()) <= keys


def test_sync_creates_missing_rows_and_keeps_edited_ones():
    EmailTemplate.objects.filter(key="test_email").update(subject="Edited {{ name }}")
    assert email_templates_sync() == []
    assert EmailTemplate.objects.get(key="test_email").subject == "Edited {{ name }}"

    EmailTemplate.objects.filter(key="test_email").delete()
    assert email_templates_sync() == ["test_email"]
    assert EmailTemplate.objects.get(key="test_email").subject.startswith("Test email from")


def test_first_use_creates_the_row_from_its_default():
    EmailTemplate.objects.filter(key="test_email").delete()
    template = email_template_get("test_email")
    assert template.pk and template.name == "Test email"


def test_unknown_template_key_is_a_clear_error():
    with pytest.raises(DomainError, match="no email template called “nope”"):
        email_queue(to="a@example.test", template_key="nope", context={})


def test_duplicate_default_keys_are_refused(monkeypatch):
    import bookings
    import notifications.services.templates as services

    class FakeModule:
        EMAIL_TEMPLATES = {"test_email": {"name": "x", "subject": "x", "body": "x"}}

    real_import, real_has = services.import_module, services.module_has_submodule
    monkeypatch.setattr(
        services,
        "module_has_submodule",
        lambda module, name: module.__name__ == "bookings" or real_has(module, name),
    )
    monkeypatch.setattr(
        services,
        "import_module",
        lambda name: FakeModule if name == "bookings.emails" else real_import(name),
    )
    assert bookings  # the app whose emails.py we fake
    with pytest.raises(ImproperlyConfigured, match="declared by both"):
        email_template_defaults()


def test_plain_text_is_not_html_escaped_but_html_is():
    rendered = email_render(
        subject="Booking for {{ name }}\n  confirmed",
        body="Dear {{ name }},",
        html_body="<p>Dear {{ name }},</p>",
        context={"name": "O'Brien & <Sons>"},
    )
    assert rendered.subject == "Booking for O'Brien & <Sons> confirmed"  # one header line
    assert rendered.body == "Dear O'Brien & <Sons>,"
    assert rendered.html_body == "<p>Dear O&#x27;Brien &amp; &lt;Sons&gt;,</p>"


def test_seller_is_in_every_context(settings):
    settings.SELLER = {**settings.SELLER, "name": "Acme Courses"}
    assert email_render(subject="{{ seller.name }}", body="", context={}).subject == "Acme Courses"


def test_template_check_reports_syntax_and_render_errors():
    errors = email_template_check(
        subject="{% if %}", body="{% url 'no-such-page' %}", html_body="{{ ok }}"
    )
    assert errors["subject"].startswith("The template syntax is not valid")
    assert errors["body"].startswith("The template cannot be rendered")
    assert "html_body" not in errors


def test_template_update_refuses_bad_syntax_and_audits_good_edits(admin_user):
    template = EmailTemplate.objects.get(key="test_email")
    with pytest.raises(DomainError, match="syntax is not valid"):
        email_template_update(
            actor=admin_user, template=template, subject="{% if name %}Hi", body="x"
        )
    updated = email_template_update(
        actor=admin_user, template=template, subject="Hi {{ name }}", body="Body"
    )
    assert (updated.subject, updated.body, updated.updated_by) == (
        "Hi {{ name }}",
        "Body",
        admin_user,
    )
    event = AuditEvent.objects.for_object(updated).get()
    assert event.action == "email_template.update" and event.data["changed"] == ["subject", "body"]

    reset = email_template_reset(actor=admin_user, template=updated)
    assert reset.subject == email_template_defaults()["test_email"]["subject"]


# --- Queueing ---------------------------------------------------------------------------------


def test_email_queue_renders_now_links_and_sends_after_commit(
    django_capture_on_commit_callbacks, admin_user, nobody
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = email_queue(
            to=["a@example.test", "B@example.test; a@example.test"],
            template_key="test_email",
            context={"name": "O'Brien"},
            about=[admin_user, nobody, admin_user],
            actor=admin_user,
        )
        # Rendered and stored now, sent only after commit.
        assert message.state == OutboxState.PENDING
        assert mail.outbox == []
    assert message.to == ["a@example.test", "B@example.test"]
    assert message.subject == "Test email from Northwind Training Ltd"
    assert message.body.startswith("Hello O'Brien,")
    assert message.template_key == "test_email" and message.actor == admin_user
    assert OutboxLink.objects.filter(message=message).count() == 2  # duplicates folded

    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert message.state == OutboxState.SENT and message.attempts == 1 and message.sent_at
    assert [m.to for m in mail.outbox] == [["a@example.test", "B@example.test"]]
    assert mail.outbox[0].extra_headers["X-Outbox-Message"] == str(message.pk)


@pytest.mark.parametrize("to", ["", [], ["  "], "not-an-address", ["ok@example.test", "bad@"]])
def test_email_queue_refuses_missing_or_invalid_addresses(to):
    with pytest.raises(DomainError):
        email_queue(to=to, template_key="test_email", context={})
    assert not OutboxMessage.objects.exists()


def test_a_template_that_fails_to_render_is_a_domain_error():
    EmailTemplate.objects.filter(key="test_email").update(body="{% url 'no-such-page' %}")
    with pytest.raises(DomainError, match="could not be rendered"):
        email_queue(to="a@example.test", template_key="test_email", context={})
    assert not OutboxMessage.objects.exists()


def test_emails_about_is_one_query_and_only_that_objects_emails(
    admin_user, nobody, django_assert_num_queries
):
    first = email_queue(
        to="a@example.test", template_key="test_email", context={}, about=[admin_user]
    )
    second = email_queue(
        to="b@example.test", template_key="test_email", context={}, about=[admin_user, nobody]
    )
    email_queue(to="c@example.test", template_key="test_email", context={}, about=[nobody])
    ContentType.objects.get_for_model(admin_user)  # the content type cache is warm in a server
    with django_assert_num_queries(1):
        found = list(emails_about(admin_user))
    assert found == [second, first]


# --- Attachments ------------------------------------------------------------------------------


def test_attachment_registry_register_resolve_and_refuse_a_second_function(attachment_kind):
    assert attachments.is_registered("test_doc")
    assert attachments.resolve("test_doc", 7) == ("doc-7.txt", b"Document number 7\n", "text/plain")
    # The same function again is fine (AppConfig.ready may run twice in tests) ...
    attachments.register("test_doc", attachments._REGISTRY["test_doc"])
    # ... another function for the same kind is a mistake.
    with pytest.raises(ValueError, match="already registered"):
        attachments.register("test_doc", lambda object_id: ("x", b"", "text/plain"))
    with pytest.raises(LookupError):
        attachments.resolve("nope", 1)


def test_attachments_are_made_at_send_time(django_capture_on_commit_callbacks, attachment_kind):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = email_queue(
            to="a@example.test",
            template_key="test_email",
            context={},
            attachments=[("test_doc", 42)],
        )
    assert message.attachments == [["test_doc", 42]]
    assert attachment_kind == []  # nothing made inside the caller's transaction
    callbacks[0]()
    assert attachment_kind == [42]
    assert mail.outbox[0].attachments == [("doc-42.txt", "Document number 42\n", "text/plain")]


def test_unknown_attachment_kind_is_refused_when_queueing():
    with pytest.raises(ValueError, match="not registered"):
        email_queue(
            to="a@example.test", template_key="test_email", context={}, attachments=[("x", 1)]
        )


# --- Delivery ---------------------------------------------------------------------------------


def _failing_backend(monkeypatch, exc: BaseException):
    from django.core.mail.backends.locmem import EmailBackend

    def send_messages(self, messages):
        raise exc

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)


def test_deliver_sends_once_and_skips_a_sent_message():
    message = OutboxMessageFactory()
    assert outbox_deliver(message_id=message.pk).outcome == Outcome.SENT
    assert outbox_deliver(message_id=message.pk).outcome == Outcome.SKIPPED
    assert outbox_deliver(message_id=999_999).outcome == Outcome.SKIPPED
    message.refresh_from_db()
    assert (message.state, message.attempts, len(mail.outbox)) == (OutboxState.SENT, 1, 1)


def test_deliver_skips_a_message_another_worker_is_sending():
    message = OutboxMessageFactory(state=OutboxState.SENDING, last_attempt_at=timezone.now())
    assert outbox_deliver(message_id=message.pk).outcome == Outcome.SKIPPED
    assert mail.outbox == []


def test_a_message_left_sending_by_a_dead_worker_is_delivered_later():
    stale = timezone.now() - timedelta(minutes=11)
    message = OutboxMessageFactory(state=OutboxState.SENDING, last_attempt_at=stale, attempts=1)
    assert message.pk in outbox_due_for_sweep()
    assert outbox_deliver(message_id=message.pk).outcome == Outcome.SENT


def test_smtp_error_keeps_the_message_pending_with_attempts_and_error(monkeypatch, settings):
    settings.OUTBOX_RETRY_BACKOFF = 10
    _failing_backend(monkeypatch, smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))
    message = OutboxMessageFactory()
    before = timezone.now()

    result = outbox_deliver(message_id=message.pk)

    assert result.outcome == Outcome.RETRY and 5 <= result.retry_in <= 10
    message.refresh_from_db()
    assert message.state == OutboxState.PENDING
    assert message.attempts == 1
    assert message.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert message.next_attempt_at >= before + timedelta(seconds=5)


def test_backoff_grows_and_the_message_fails_after_max_attempts(monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_RETRY_BACKOFF = 10
    _failing_backend(monkeypatch, ConnectionRefusedError(111, "Connection refused"))
    message = OutboxMessageFactory()

    delays = [outbox_deliver(message_id=message.pk).retry_in for _ in range(2)]
    last = outbox_deliver(message_id=message.pk)

    assert 5 <= delays[0] <= 10 and 10 <= delays[1] <= 20
    assert last.outcome == Outcome.FAILED and last.retry_in is None
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.FAILED, 3)
    assert "Connection refused" in message.last_error
    assert outbox_deliver(message_id=message.pk).outcome == Outcome.SKIPPED  # until a Retry


def test_an_error_a_retry_cannot_fix_fails_at_once():
    attachments.register("broken_doc", lambda object_id: 1 / 0)
    message = OutboxMessageFactory(attachments=[["broken_doc", 1]])
    try:
        result = outbox_deliver(message_id=message.pk)
    finally:
        attachments._REGISTRY.pop("broken_doc", None)
    assert result.outcome == Outcome.FAILED
    message.refresh_from_db()
    assert message.state == OutboxState.FAILED and "ZeroDivisionError" in message.last_error


def test_retry_gives_a_failed_message_fresh_attempts(
    django_capture_on_commit_callbacks, admin_user
):
    message = OutboxMessageFactory(state=OutboxState.FAILED, attempts=8, last_error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        outbox_retry(actor=admin_user, message=message)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.SENT, 1)
    assert AuditEvent.objects.for_object(message).get().data == {
        "previous_state": "failed",
        "previous_attempts": 8,
    }
    with pytest.raises(DomainError, match="already been sent"):
        outbox_retry(actor=admin_user, message=message)


# --- Sweep ------------------------------------------------------------------------------------


def test_sweep_picks_overdue_pending_messages_only():
    with time_machine.travel("2025-03-03 09:00:00Z", tick=False):
        now = timezone.now()
        fresh = OutboxMessageFactory(next_attempt_at=now - timedelta(seconds=59))
        overdue = OutboxMessageFactory(next_attempt_at=now - timedelta(seconds=60))
        waiting_retry = OutboxMessageFactory(next_attempt_at=now + timedelta(seconds=30))
        OutboxMessageFactory(state=OutboxState.SENT, next_attempt_at=now - timedelta(hours=1))
        OutboxMessageFactory(state=OutboxState.FAILED, next_attempt_at=now - timedelta(hours=1))
        busy = OutboxMessageFactory(
            state=OutboxState.SENDING, last_attempt_at=now - timedelta(minutes=9)
        )
        assert outbox_due_for_sweep() == [overdue.pk]
        assert {fresh.pk, waiting_retry.pk, busy.pk}.isdisjoint(outbox_due_for_sweep())


def test_sweep_task_sends_what_the_broker_never_got():
    from notifications.tasks import outbox_sweep

    with time_machine.travel("2025-03-03 09:00:00Z", tick=False):
        message = OutboxMessageFactory()  # queued while the broker was down
    with time_machine.travel("2025-03-03 09:02:00Z", tick=False):
        assert outbox_sweep() == 1  # eager in tests: sent in-process
    message.refresh_from_db()
    assert message.state == OutboxState.SENT
    assert len(mail.outbox) == 1


def test_email_templates_sync_command(capsys):
    from django.core.management import call_command

    EmailTemplate.objects.filter(key="test_email").delete()
    call_command("email_templates_sync")
    assert "test_email" in capsys.readouterr().out
    call_command("email_templates_sync")
    assert "already exists" in capsys.readouterr().out


def test_template_factory_rows_render():
    template = EmailTemplateFactory(key="hello", subject="Hello {{ name }}")
    message = email_queue(to="a@example.test", template_key=template.key, context={"name": "Bo"})
    assert message.subject == "Hello Bo"
