"""Test settings: the normal settings plus fast hashing and a local-memory email outbox.

The suite runs against whatever DATABASE_URL / REDIS_URL say; `make test` points them at the
real PostgreSQL and Redis.
"""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
)
# Whatever of DATABASE_URL / REDIS_URL is missing falls back to the embedded default (SQLite,
# eager tasks); email never leaves the process (locmem below), so EMAIL_HOST is not needed.
os.environ.setdefault("DJANGO_EMBEDDED", "1")

from .settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
# The live server of the browser tests speaks plain http.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Tasks run in-process unless a test starts a real worker (tests/conftest.py: celery_worker).
CELERY_TASK_ALWAYS_EAGER = True
