"""Shared fixtures: named users per role (healthchecks style), real-service guards, browser.

Tests that need PostgreSQL, Redis, SMTP or Chromium use the `needs_*` fixtures: they skip on a
newcomer's SQLite run but fail loudly when CI=true, so CI never silently skips them.
"""

import os
import shutil

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection

from core.roles import Role

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required when CI=true")
    pytest.skip(f"{what} not available")


@pytest.fixture
def needs_postgres():
    if connection.vendor != "postgresql":
        _missing("PostgreSQL (DATABASE_URL)")


@pytest.fixture
def needs_redis(settings):
    if not settings.REDIS_URL:
        _missing("Redis (REDIS_URL)")
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        _missing(f"Redis at {settings.REDIS_URL}")
    return settings.REDIS_URL


def make_user(username: str, role: str | None, **extra) -> User:
    user = User.objects.create_user(
        username=username, password="pw", email=f"{username}@example.test", **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def admin_user(db):
    return make_user("alice.admin", Role.ADMIN, first_name="Alice", last_name="Admin")


@pytest.fixture
def team_leader(db):
    return make_user("tom.leader", Role.TEAM_LEADER, first_name="Tom", last_name="Leader")


@pytest.fixture
def provider(db):
    return make_user("pat.provider", Role.PROVIDER, first_name="Pat", last_name="Provider")


@pytest.fixture
def finance_user(db):
    return make_user("fiona.finance", Role.FINANCE, first_name="Fiona", last_name="Finance")


@pytest.fixture
def nobody(db):
    """Logged in, but in no role at all."""
    return make_user("nora.nobody", None)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def finance_client(client, finance_user):
    client.force_login(finance_user)
    return client


# --- Browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def needs_chromium():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        _missing(f"Chromium at {CHROMIUM}")
