"""Sessions (issue 8): they end after SESSION_IDLE_TIMEOUT without activity (8 hours unless
configured), live on while in use, and end everywhere else when the password changes."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def is_logged_in(client) -> bool:
    response = client.get("/account/")
    assert response.status_code in {200, 302}
    return response.status_code == 200


def test_eight_hours_idle_ends_the_session_with_a_word_why(client, admin_user, settings):
    assert settings.SESSION_IDLE_TIMEOUT == 8 * 3600
    with time_machine.travel(NOW, tick=False) as clock:
        client.force_login(admin_user)
        assert is_logged_in(client)
        clock.shift(timedelta(hours=8, minutes=2))
        response = client.get("/account/", follow=True)
    assert response.redirect_chain == [("/login/?next=/account/", 302)]
    assert "You were logged out after a period without activity." in response.content.decode()


def test_a_session_in_use_lives_on(client, admin_user):
    with time_machine.travel(NOW, tick=False) as clock:
        client.force_login(admin_user)
        for _ in range(6):  # two days of work, never 8 hours apart
            clock.shift(timedelta(hours=7, minutes=50))
            assert is_logged_in(client)
        # The stored session expires too (an hour after the idle limit, see settings).
        expires = Session.objects.get().expire_date
        assert expires == datetime.now(UTC) + timedelta(hours=9)


def test_the_timeout_is_a_setting(client, admin_user, settings):
    settings.SESSION_IDLE_TIMEOUT = 15 * 60
    with time_machine.travel(NOW, tick=False) as clock:
        client.force_login(admin_user)
        clock.shift(timedelta(minutes=14))
        assert is_logged_in(client)
        clock.shift(timedelta(minutes=14))
        assert is_logged_in(client)
        clock.shift(timedelta(minutes=16))
        assert not is_logged_in(client)


def test_the_session_is_written_at_most_once_a_minute(client, admin_user):
    def session_updates() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/account/").status_code == 200
        return sum('UPDATE "django_session"' in q["sql"] for q in ctx.captured_queries)

    with time_machine.travel(NOW, tick=False) as clock:
        client.force_login(admin_user)  # notes the time
        assert session_updates() == 0
        clock.shift(timedelta(seconds=59))
        assert session_updates() == 0
        clock.shift(timedelta(seconds=1))
        assert session_updates() == 1


def test_changing_the_password_ends_the_other_sessions_only(client, admin_user):
    client.force_login(admin_user)
    laptop = type(client)()
    laptop.force_login(admin_user)
    assert is_logged_in(laptop)
    old_key = client.session.session_key

    response = client.post(
        "/account/",
        {
            "old_password": "pw",
            "new_password1": "Correct-Horse-9",
            "new_password2": "Correct-Horse-9",
        },
    )
    assert response.status_code == 302
    assert is_logged_in(client)  # this session stays, under a new key
    assert client.session.session_key != old_key
    assert not is_logged_in(laptop)  # the other one is over

    (event,) = AuditEvent.objects.for_object(admin_user).filter(action="password_changed")
    assert event.actor == admin_user
    assert event.summary == "Password changed on “My account”"


def test_a_wrong_old_password_changes_nothing(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/account/",
        {
            "old_password": "nope",
            "new_password1": "Correct-Horse-9",
            "new_password2": "Correct-Horse-9",
        },
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.check_password("pw")
    assert not AuditEvent.objects.filter(action="password_changed").exists()
