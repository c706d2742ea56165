"""The Django admin (issue 8): not there unless DJANGO_ADMIN_PATH names a path, for
superusers only, and unable to change what only the services may change."""

import importlib

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.urls import clear_url_caches

from notifications.models import EmailTemplate
from notifications.services import email_queue
from tests.conftest import make_user
from tests.core.test_settings import PRODUCTION_ENV, _run

pytestmark = pytest.mark.django_db


def _reload_urls():
    import config.urls

    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def mounted(settings):
    original = settings.ADMIN_PATH
    settings.ADMIN_PATH = "ops-7f3c"
    _reload_urls()
    yield "/ops-7f3c/"
    settings.ADMIN_PATH = original
    _reload_urls()


@pytest.fixture
def superuser(db):
    return make_user("sue.super", None, is_superuser=True, is_staff=True)


def test_the_admin_is_not_there_by_default(admin_client):
    assert admin_client.get("/django-admin/").status_code == 404
    assert admin_client.get("/admin/").status_code == 404


def test_production_has_no_admin_unless_a_path_is_given():
    code = (
        "import django; django.setup(); from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/django-admin/'); print('mounted')\n"
        "except Resolver404:\n    print('absent')"
    )
    assert _run(code, PRODUCTION_ENV).stdout.strip() == "absent"
    mounted = _run(
        code.replace("/django-admin/", "/ops-7f3c/"),
        {**PRODUCTION_ENV, "DJANGO_ADMIN_PATH": "ops-7f3c"},
    )
    assert mounted.stdout.strip() == "mounted", mounted.stderr


def test_only_superusers_get_in(client, mounted, superuser):
    staff = make_user("sam.staff", "Admin", is_staff=True)  # the Admin role is not enough
    client.force_login(staff)
    response = client.get(mounted)
    assert response.status_code == 302 and "/login/" in response.url
    client.force_login(superuser)
    assert client.get(mounted).status_code == 200


def test_no_admin_class_can_add_change_or_delete(superuser):
    request = RequestFactory().get("/")
    request.user = superuser
    writable = []
    for model, model_admin in admin.site._registry.items():
        for what in ("add", "change", "delete"):
            if getattr(model_admin, f"has_{what}_permission")(request):
                writable.append(f"{model._meta.label}: {what}")
        for inline in model_admin.get_inline_instances(request):
            for what in ("add", "change", "delete"):
                if getattr(inline, f"has_{what}_permission")(request, None):
                    writable.append(
                        f"{model._meta.label} inline {inline.model._meta.label}: {what}"
                    )
    assert len(admin.site._registry) >= 12
    assert not writable, "\n".join(writable)


def test_a_broken_email_template_cannot_be_saved_there(client, mounted, superuser):
    template = EmailTemplate.objects.get(key="test_email")
    client.force_login(superuser)
    url = f"{mounted}notifications/emailtemplate/{template.pk}/change/"
    response = client.post(url, {"subject": "{% if %}", "body": "{{ oops", "html_body": ""})
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.subject == "Test email from {{ seller.name }}"
    assert client.get(url).status_code == 200  # it can still be looked at


def test_outbox_rows_cannot_be_deleted_there(client, mounted, superuser):
    message = email_queue(to="x@example.test", template_key="test_email", context={})
    client.force_login(superuser)
    url = f"{mounted}notifications/outboxmessage/{message.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    response = client.post(
        f"{mounted}notifications/outboxmessage/",
        {"action": "delete_selected", "_selected_action": [message.pk], "post": "yes"},
    )
    assert response.status_code in {200, 302, 403}
    assert type(message).objects.filter(pk=message.pk).exists()


def test_users_cannot_be_edited_there(client, mounted, superuser, admin_user):
    client.force_login(superuser)
    url = f"{mounted}auth/user/{admin_user.pk}/password/"
    response = client.post(url, {"password1": "Hijacked-123", "password2": "Hijacked-123"})
    assert response.status_code == 403
    assert User.objects.get(pk=admin_user.pk).check_password("pw")
