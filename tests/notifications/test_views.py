import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from core.models import AuditEvent
from notifications.models import EmailTemplate, OutboxMessage, OutboxState
from notifications.selectors import emails_about
from notifications.services import email_queue

from .factories import OutboxMessageFactory

pytestmark = pytest.mark.django_db

OUTBOX = reverse("notifications:outbox")
TEMPLATES = reverse("notifications:templates")
EDIT = reverse("notifications:template_edit", args=["test_email"])


def login(client, user):
    client.force_login(user)
    return client


# --- Permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, outbox_status, templates_status",
    [
        ("admin_user", 200, 200),
        ("team_leader", 200, 403),
        ("finance_user", 200, 403),
        ("provider", 403, 403),
        ("nobody", 403, 403),
    ],
)
def test_pages_per_role(client, request, role, outbox_status, templates_status):
    user = request.getfixturevalue(role)
    message = OutboxMessageFactory(state=OutboxState.FAILED)
    login(client, user)
    assert client.get(OUTBOX).status_code == outbox_status
    assert client.get(message.get_absolute_url()).status_code == outbox_status
    assert client.get(TEMPLATES).status_code == templates_status
    assert client.get(EDIT).status_code == templates_status
    retry = client.post(reverse("notifications:outbox_retry", args=[message.pk]))
    assert retry.status_code == (302 if outbox_status == 200 else 403)
    retry_all = client.post(reverse("notifications:outbox_retry_failed"))
    assert retry_all.status_code == (302 if outbox_status == 200 else 403)
    save = client.post(EDIT, {"subject": "Changed", "body": "Changed"})
    assert save.status_code == (302 if templates_status == 200 else 403)
    assert (EmailTemplate.objects.get(key="test_email").subject == "Changed") == (
        templates_status == 200
    )


def test_anonymous_is_sent_to_login(client):
    response = client.get(OUTBOX)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_menu_shows_outbox_and_templates_by_capability(client, admin_user, finance_user):
    html = login(client, admin_user).get(OUTBOX).content.decode()
    assert f'href="{OUTBOX}"' in html and f'href="{TEMPLATES}"' in html
    html = login(client, finance_user).get(OUTBOX).content.decode()
    assert f'href="{OUTBOX}"' in html and f'href="{TEMPLATES}"' not in html


# --- Outbox list and detail -------------------------------------------------------------------


def test_outbox_filters_by_state_and_searches_recipient_or_subject(admin_client):
    OutboxMessageFactory(to=["ann@acme.test"], subject="Booking confirmed", state="sent")
    OutboxMessageFactory(to=["bob@acme.test", "carol@beta.test"], subject="Invoice INV-1")
    OutboxMessageFactory(to=["dan@beta.test"], subject="Reminder", state="failed")

    def subjects(**params):
        response = admin_client.get(OUTBOX, params)
        assert response.status_code == 200
        return sorted(m.subject for m in response.context["page"].object_list)

    assert subjects() == ["Booking confirmed", "Invoice INV-1", "Reminder"]
    assert subjects(state="failed") == ["Reminder"]
    assert subjects(q="CAROL@beta") == ["Invoice INV-1"]  # a second recipient, any case
    assert subjects(q="beta.test") == ["Invoice INV-1", "Reminder"]
    assert subjects(q="invoice") == ["Invoice INV-1"]
    assert subjects(q="beta", state="failed") == ["Reminder"]
    # Bad input: the filter is ignored and the form says why, never a 500.
    response = admin_client.get(OUTBOX, {"state": "no-such-state"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_outbox_pages_and_htmx_partial(admin_client):
    OutboxMessageFactory.create_batch(30)
    full = admin_client.get(OUTBOX)
    assert "<h1>Outbox</h1>" in full.content.decode()
    assert len(full.context["page"].object_list) == 25

    partial = admin_client.get(OUTBOX, {"page": 2}, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert partial.status_code == 200
    assert "<h1>" not in html and "<table>" in html  # only the results fragment
    assert "Page 2 of 2 (30 emails)" in html
    assert partial["Vary"] and "HX-Request" in partial["Vary"]
    assert admin_client.get(OUTBOX, {"page": "abc"}).status_code == 200


def test_outbox_list_query_count_does_not_grow(admin_client, django_assert_max_num_queries):
    OutboxMessageFactory.create_batch(3)
    with django_assert_max_num_queries(8) as few:
        admin_client.get(OUTBOX)
    OutboxMessageFactory.create_batch(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(OUTBOX)


def test_message_detail_shows_body_attempts_error_and_linked_objects(
    admin_client, admin_user, nobody, django_assert_max_num_queries
):
    message = email_queue(
        to="a@example.test",
        template_key="test_email",
        context={"name": "Zed"},
        about=[admin_user, nobody],
    )
    message.attempts, message.last_error = 3, "SMTPServerDisconnected: gone"
    message.state = OutboxState.FAILED
    message.save()
    with django_assert_max_num_queries(10):
        response = admin_client.get(message.get_absolute_url())
    html = response.content.decode()
    assert "Hello Zed," in html
    assert "SMTPServerDisconnected: gone" in html
    assert "alice.admin" in html and "nora.nobody" in html  # what the email is about
    assert ">Retry</button>" in html


def test_detail_of_a_missing_message_is_404(admin_client):
    assert (
        admin_client.get(reverse("notifications:outbox_detail", args=[999999])).status_code == 404
    )
    assert (
        admin_client.post(reverse("notifications:outbox_retry", args=[999999])).status_code == 404
    )


def test_retry_by_htmx_returns_the_panel_and_sends(
    admin_client, admin_user, django_capture_on_commit_callbacks
):
    message = OutboxMessageFactory(state=OutboxState.FAILED, attempts=8)
    url = reverse("notifications:outbox_retry", args=[message.pk])
    assert admin_client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<h1>" not in html
    assert "queued to be sent again" in html
    message.refresh_from_db()
    # After commit the (eager, in tests) task sent it.
    assert message.state == OutboxState.SENT and message.attempts == 1
    assert AuditEvent.objects.for_object(message).get().actor == admin_user

    again = admin_client.post(url, follow=True)
    assert "already been sent" in again.content.decode()


# --- Email templates --------------------------------------------------------------------------


def test_templates_list_and_edit_page(admin_client):
    html = admin_client.get(TEMPLATES).content.decode()
    assert "Test email" in html and EDIT in html
    response = admin_client.get(EDIT)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_subject">Subject</label>' in html
    assert "Hello Alice Admin," in html  # the preview uses the template's example data


def test_edit_unknown_template_is_404(admin_client):
    url = reverse("notifications:template_edit", args=["nope"])
    assert admin_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "subject, body, error",
    [
        ("Hello {% if name %}", "Body", "The template syntax is not valid"),
        ("Hello", "{{ name|no_such_filter }}", "The template syntax is not valid"),
        ("Hello", "{% load nothing_here %}", "The template syntax is not valid"),
        ("Hello", "{% url 'no-such-page' %}", "The template cannot be rendered"),
        ("", "Body", "This field is required."),
    ],
)
def test_bad_template_syntax_is_a_form_error_not_a_500(admin_client, subject, body, error):
    before = EmailTemplate.objects.get(key="test_email").subject
    response = admin_client.post(EDIT, {"subject": subject, "body": body})
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html and 'role="alert"' in html
    assert EmailTemplate.objects.get(key="test_email").subject == before


def test_save_template_and_it_is_used_by_the_next_email(admin_client, admin_user):
    response = admin_client.post(
        EDIT, {"subject": "Welcome {{ name }}", "body": "Hi {{ name }}!", "html_body": ""}
    )
    assert response.status_code == 302
    template = EmailTemplate.objects.get(key="test_email")
    assert template.updated_by == admin_user
    message = email_queue(to="a@example.test", template_key="test_email", context={"name": "Jo"})
    assert (message.subject, message.body) == ("Welcome Jo", "Hi Jo!")


def test_preview_by_htmx_renders_without_saving(admin_client):
    response = admin_client.post(
        EDIT,
        {"subject": "Preview for {{ name }}", "body": "Body of {{ name }}", "action": "preview"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<h1>" not in html
    assert "Preview for Alice Admin" in html and "Body of Alice Admin" in html
    assert EmailTemplate.objects.get(key="test_email").subject != "Preview for {{ name }}"

    bad = admin_client.post(
        EDIT, {"subject": "{% if %}", "body": "x", "action": "preview"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 200 and "The template syntax is not valid" in bad.content.decode()


def test_restore_default_and_send_test(admin_client, admin_user):
    EmailTemplate.objects.filter(key="test_email").update(subject="Edited")
    admin_client.post(reverse("notifications:template_reset", args=["test_email"]))
    assert EmailTemplate.objects.get(key="test_email").subject.startswith("Test email from")

    response = admin_client.post(reverse("notifications:template_send_test", args=["test_email"]))
    assert response.status_code == 302
    message = OutboxMessage.objects.get()
    assert message.to == [admin_user.email] and message.body.startswith("Hello Alice Admin,")
    assert response.url == message.get_absolute_url()


# --- The partial other pages include ----------------------------------------------------------


def test_emails_about_partial(admin_user, finance_user, provider, nobody):
    email_queue(to="a@example.test", template_key="test_email", context={}, about=[nobody])
    request = RequestFactory().get("/")

    def render(user):
        request.user = user
        return render_to_string(
            "notifications/_emails_about.html", {"emails": emails_about(nobody)}, request=request
        )

    html = render(finance_user)
    assert "Test email from Northwind Training Ltd" in html and "a@example.test" in html
    assert reverse("notifications:outbox") in html  # linked for someone who can see the outbox
    assert "/notifications/outbox/" not in render(provider)
    request.user = admin_user
    assert "No emails yet." in render_to_string(
        "notifications/_emails_about.html", {"emails": emails_about(admin_user)}, request=request
    )


def test_retry_all_failed(admin_client, finance_user, client, django_capture_on_commit_callbacks):
    failed = OutboxMessageFactory.create_batch(2, state=OutboxState.FAILED, attempts=8)
    sent = OutboxMessageFactory(state=OutboxState.SENT)
    url = reverse("notifications:outbox_retry_failed")
    assert "Retry all failed (2)" in admin_client.get(OUTBOX).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url)
    assert response.status_code == 302 and response.url.endswith("?state=failed")
    for message in [*failed, sent]:
        message.refresh_from_db()
        assert message.state == OutboxState.SENT
    assert "Retry all failed" not in admin_client.get(OUTBOX).content.decode()
    assert "no failed emails" in admin_client.post(url, follow=True).content.decode()
    assert login(client, finance_user).post(url).status_code == 302  # view_outbox is enough
