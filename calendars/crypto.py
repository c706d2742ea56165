"""CalDAV passwords at rest: Fernet (AES-128-CBC + HMAC-SHA256) with settings.CALENDAR_SECRET_KEY.

The key comes from the environment (production refuses to start without it, config/settings.py);
a database dump alone does not give away the passwords of the calendars it holds.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@cache
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt(secret: str) -> str:
    if not secret:
        return ""
    return _fernet(settings.CALENDAR_SECRET_KEY).encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    """The password, or "" when there is none or it was encrypted with another key."""
    if not token:
        return ""
    try:
        return _fernet(settings.CALENDAR_SECRET_KEY).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return ""
