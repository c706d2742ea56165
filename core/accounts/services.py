"""Every write about a person's own account: the history of log-ins.

Failed log-ins and lockouts are counted by django-axes in its own tables (throttle.py); what
is written here is the history people read, on the user (`AuditEvent.objects.for_object`).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser

from core.audit import audit_record
from core.transactions import service_atomic


def duration_text(seconds: int) -> str:
    """How long, in words: "45 seconds", "1 minute", "15 minutes", "2 hours" (minutes rounded
    up)."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _target(user: AbstractBaseUser | None) -> AbstractBaseUser:
    """The user the history entry is about; a username nobody has gets id 0 (no such user),
    so attempts on made-up names are still in the history, under the user model."""
    return user if user is not None else get_user_model()(pk=0)


def login_failure_record(
    *, username: str, address: str | None, user: AbstractBaseUser | None
) -> None:
    """History of one failed log-in (wrong password, or a username nobody has)."""
    who = "" if user is not None else " (no such user)"
    with service_atomic():
        audit_record(
            actor=None,
            target=_target(user),
            action="login_failed",
            summary=f"Failed log-in as “{username}”{who} from {address or 'an unknown address'}",
            data={"username": username, "address": address},
        )


def login_lockout_record(
    *,
    username: str,
    address: str | None,
    user: AbstractBaseUser | None,
    failures: int,
    seconds: int,
) -> None:
    """History of a lockout starting: further log-ins for this username or from this address
    are refused for `seconds`."""
    with service_atomic():
        audit_record(
            actor=None,
            target=_target(user),
            action="login_locked_out",
            summary=(
                f"Log-in as “{username}” from {address or 'an unknown address'} locked for "
                f"{duration_text(seconds)} after {failures} failed attempts"
            ),
            data={"username": username, "address": address, "seconds": seconds},
        )
