"""Log-in throttling (issue 8): a few failures for a username or from an address lock further
attempts out for a growing while, with a clear message, and everything is in the history."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import RequestFactory

from core.accounts.throttle import client_ip
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LOCKED = "Too many failed log-in attempts for this username or from this address."


def login(client, username, password, address="10.0.0.1", **extra):
    return client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def fail(client, username, times, address="10.0.0.1"):
    return [login(client, username, "wrong", address).status_code for _ in range(times)]


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_five_failures_lock_the_username_out_with_a_message_then_it_opens(
    client, admin_user, clock
):
    assert fail(client, "alice.admin", 4) == [200] * 4  # the form's own error
    response = login(client, "alice.admin", "wrong")
    assert response.status_code == 429
    text = response.content.decode()
    assert f"{LOCKED} Try again in 1 minute." in text
    assert 'value="alice.admin"' in text  # the log-in page again, username kept

    # The right password is refused too while locked: it is not even checked.
    response = login(client, "alice.admin", "pw")
    assert response.status_code == 429 and not logged_in(client)
    clock.shift(timedelta(seconds=30))
    assert (
        f"{LOCKED} Try again in 30 seconds." in login(client, "alice.admin", "pw").content.decode()
    )

    clock.shift(timedelta(seconds=31))
    assert login(client, "alice.admin", "pw").status_code == 302
    assert logged_in(client)


def test_each_further_lockout_lasts_twice_as_long_up_to_the_cap(
    client, admin_user, clock, settings
):
    settings.LOGIN_LOCKOUT_MAX_SECONDS = 240
    for seconds in [60, 120, 240, 240]:
        assert fail(client, "alice.admin", 5) == [200] * 4 + [429]
        assert (
            f"Try again in {seconds // 60} minute"
            in login(client, "alice.admin", "pw").content.decode()
        )
        clock.shift(timedelta(seconds=seconds - 1))
        assert login(client, "alice.admin", "pw").status_code == 429, seconds
        clock.shift(timedelta(seconds=2))
        assert login(client, "alice.admin", "pw").status_code == 302, seconds
        client.logout()


def test_after_a_lockout_the_count_starts_again(client, admin_user, clock):
    fail(client, "alice.admin", 5)
    clock.shift(timedelta(seconds=61))
    assert fail(client, "alice.admin", 4) == [200] * 4
    assert login(client, "alice.admin", "pw").status_code == 302


def test_a_lockout_a_day_ago_is_forgotten(client, admin_user, clock):
    for _ in range(3):
        fail(client, "alice.admin", 5)
        clock.shift(timedelta(minutes=10))
    clock.shift(timedelta(days=1))
    fail(client, "alice.admin", 5)
    clock.shift(timedelta(seconds=61))
    assert login(client, "alice.admin", "pw").status_code == 302


def test_someone_elses_failures_keep_the_real_user_out_only_briefly(
    client, admin_user, clock, settings
):
    attacker = type(client)()
    assert fail(attacker, "alice.admin", 5, address="203.0.113.9")[-1] == 429
    # Alice, at her own address, is refused while her username is locked...
    response = login(client, "alice.admin", "pw", address="10.0.0.2")
    assert response.status_code == 429 and not logged_in(client)
    # ...and the attacker's attempts during the lockout do not make it longer.
    clock.shift(timedelta(seconds=50))
    assert fail(attacker, "alice.admin", 3, address="203.0.113.9") == [429] * 3
    clock.shift(timedelta(seconds=11))
    assert login(client, "alice.admin", "pw", address="10.0.0.2").status_code == 302

    # However often it happens, she waits no longer than LOGIN_LOCKOUT_MAX_SECONDS.
    client.logout()
    for _ in range(10):
        clock.shift(timedelta(hours=1))
        fail(attacker, "alice.admin", 5, address="203.0.113.9")
    clock.shift(timedelta(seconds=settings.LOGIN_LOCKOUT_MAX_SECONDS + 1))
    assert login(client, "alice.admin", "pw", address="10.0.0.2").status_code == 302


def test_an_address_is_locked_after_twenty_failures_on_any_usernames(
    client, admin_user, team_leader, clock
):
    office = "192.0.2.10"
    # Typos by different people in one office (one address) do not lock it at once...
    for n in range(19):
        assert login(client, f"user{n}", "wrong", address=office).status_code == 200
    assert login(client, "tom.leader", "pw", address=office).status_code == 302
    client.logout()
    # ...the 20th failure from it does, for every username, right passwords included.
    assert login(client, "someone", "wrong", address=office).status_code == 429
    assert login(client, "alice.admin", "pw", address=office).status_code == 429
    # Other addresses are not affected.
    assert login(client, "alice.admin", "pw", address="10.0.0.7").status_code == 302


def test_usernames_are_counted_whatever_their_case_or_spaces(client, admin_user, clock):
    for typed in ["Alice.Admin", " alice.admin", "ALICE.ADMIN ", "alice.admin", "alice.ADMIN"]:
        login(client, typed, "wrong", address="10.9.9.9")
    assert login(client, "alice.admin", "pw", address="10.0.0.3").status_code == 429


def test_failures_and_lockouts_are_in_the_users_history(client, admin_user, clock):
    fail(client, "alice.admin", 5, address="10.0.0.5")
    fail(client, "alice.admin", 2, address="10.0.0.5")  # refused unchecked: not failures
    fail(client, "nobody.here", 1, address="10.0.0.6")

    history = list(AuditEvent.objects.for_object(admin_user).order_by("at", "id"))
    assert [e.action for e in history] == ["login_failed"] * 5 + ["login_locked_out"]
    assert history[0].summary == "Failed log-in as “alice.admin” from 10.0.0.5"
    assert history[0].actor is None
    assert history[-1].summary == (
        "Log-in as “alice.admin” from 10.0.0.5 locked for 1 minute after 5 failed attempts"
    )
    assert history[-1].data == {"username": "alice.admin", "address": "10.0.0.5", "seconds": 60}

    (unknown,) = AuditEvent.objects.filter(action="login_failed", data__username="nobody.here")
    assert unknown.target_id == 0
    assert unknown.summary == "Failed log-in as “nobody.here” (no such user) from 10.0.0.6"


def test_a_successful_log_in_writes_no_failure(client, admin_user, clock):
    assert login(client, "alice.admin", "pw").status_code == 302
    assert not AuditEvent.objects.filter(action__startswith="login_").exists()


def test_garbage_log_ins_never_give_a_server_error(client, admin_user, clock):
    cases = [
        {"username": "x" * 5000, "password": "y" * 5000},
        {"username": "\x00alice", "password": "pw"},
        {"username": "", "password": ""},
        {"password": "pw"},
        {"username": ["a", "b"], "password": "pw"},
    ]
    for data in cases:
        response = client.post("/login/", data, HTTP_X_FORWARDED_FOR="not-an-ip, ::zz")
        assert response.status_code < 500, data
    response = client.post("/login/", cases[0], REMOTE_ADDR="garbage")
    assert response.status_code < 500


def test_the_client_address_behind_proxies(settings):
    factory = RequestFactory()

    def address(remote, forwarded=None):
        extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return client_ip(factory.post("/login/", REMOTE_ADDR=remote, **extra))

    settings.LOGIN_PROXY_COUNT = 0  # no proxy: X-Forwarded-For is whatever the client says
    assert address("198.51.100.4", "1.2.3.4") == "198.51.100.4"
    settings.LOGIN_PROXY_COUNT = 1  # one proxy appends the address it was called from
    assert address("10.0.0.1", "6.6.6.6, 198.51.100.4") == "198.51.100.4"
    assert address("10.0.0.1", "") == "10.0.0.1"
    settings.LOGIN_PROXY_COUNT = 2
    assert address("10.0.0.1", "6.6.6.6, 198.51.100.4, 10.0.0.2") == "198.51.100.4"
    assert address("10.0.0.1", "2001:db8::1, 10.0.0.2") == "2001:db8::1"
    assert address("10.0.0.1", "junk, 10.0.0.2") is None


def test_old_log_in_records_are_pruned_daily(client, admin_user, clock, settings):
    from axes.models import AccessFailureLog, AccessLog

    from core.tasks import login_records_prune_task

    assert "core.tasks.login_records_prune_task" in {
        job["task"] for job in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert login(client, "alice.admin", "pw", address="10.0.0.8").status_code == 302
    client.logout()
    fail(client, "alice.admin", 5)
    clock.shift(timedelta(days=settings.LOGIN_RECORDS_KEEP_DAYS - 1))
    fail(client, "nobody", 1)
    assert login_records_prune_task.delay().get() == 0
    clock.shift(timedelta(days=1, seconds=1))
    assert login_records_prune_task.delay().get() == 6  # 5 failures and 1 log-in
    assert list(AccessFailureLog.objects.values_list("username", flat=True)) == ["nobody"]
    assert not AccessLog.objects.exists()
