"""The settings module: embedded defaults for a first run, strict production settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "postgres://app@db.internal:5432/trainingdesk",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "DJANGO_ALLOWED_HOSTS": "bookings.example.com",
    "EMAIL_HOST": "smtp.example.com",
    # Fernet key of the stored CalDAV passwords (calendars.crypto).
    "CALENDAR_SECRET_KEY": "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
}


def _clean_env() -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CI", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    for name in (
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_SECRET_KEY",
        "DJANGO_DEBUG",
        "DJANGO_EMBEDDED",
        "EMAIL_HOST",
    ):
        clean.pop(name, None)  # pytest-django and the test settings set some of them here
    return clean


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = _clean_env()
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_embedded_default_is_sqlite_with_eager_tasks(tmp_path):
    result = _run(
        "from django.conf import settings as s; import django; django.setup();"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG,"
        " s.EMAIL_BACKEND)",
        {"VAR_DIR": str(tmp_path), "DJANGO_EMBEDDED": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "False",
        "django.core.mail.backends.console.EmailBackend",
    ]


@pytest.mark.parametrize("variable", ["DATABASE_URL", "REDIS_URL", "EMAIL_HOST"])
def test_production_stops_when_a_service_is_missing(variable):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != variable}
    result = _run("import django; django.setup()", env)
    assert result.returncode != 0
    assert f"{variable} must be set when DJANGO_DEBUG is off" in result.stderr
    assert "DJANGO_EMBEDDED=1" in result.stderr  # and says how to run the demo instead


def test_production_names_every_missing_service(tmp_path):
    env = {"DJANGO_SECRET_KEY": PRODUCTION_ENV["DJANGO_SECRET_KEY"], "VAR_DIR": str(tmp_path)}
    result = _run("import django; django.setup()", env)
    assert result.returncode != 0
    assert "DATABASE_URL and REDIS_URL and EMAIL_HOST must be set" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()


def test_an_empty_variable_counts_as_missing():
    result = _run("import django; django.setup()", {**PRODUCTION_ENV, "REDIS_URL": " "})
    assert result.returncode != 0 and "REDIS_URL must be set" in result.stderr


def test_make_run_starts_the_embedded_demo(tmp_path):
    """`make run`'s own commands, with `check` in place of migrate: nothing to set by hand."""
    dry = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert dry.returncode == 0, dry.stderr
    [migrate] = [line for line in dry.stdout.splitlines() if "manage.py migrate" in line]
    command = migrate.replace("migrate --noinput", "check")
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        env={**_clean_env(), **PRODUCTION_ENV, "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )  # PRODUCTION_ENV around it: `make run` unsets the services whatever the shell has
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_site_domain_defaults_to_the_senders_domain():
    code = (
        "from django.conf import settings as s; import django; django.setup();print(s.SITE_DOMAIN)"
    )
    sender = {"DEFAULT_FROM_EMAIL": "Northwind Training <bookings@northwind.example>"}
    result = _run(code, {**PRODUCTION_ENV, **sender})
    assert result.stdout.split() == ["northwind.example"], result.stderr
    result = _run(code, {**PRODUCTION_ENV, **sender, "SITE_DOMAIN": "desk.northwind.example"})
    assert result.stdout.split() == ["desk.northwind.example"], result.stderr


def test_production_refuses_to_start_without_the_calendar_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "CALENDAR_SECRET_KEY"}
    result = _run("import django; django.setup()", env)
    assert result.returncode != 0
    assert "CALENDAR_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _run("import django; django.setup()", env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_check_deploy():
    result = _run(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_uses_postgres_and_a_real_broker():
    result = _run(
        "from django.conf import settings as s; import django; django.setup();"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)",
        PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    engine, eager, broker = result.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert eager == "False"
    assert broker == PRODUCTION_ENV["REDIS_URL"]
