"""Every write about a person's own account: passwords, reset emails, the history of log-ins.

Failed log-ins and lockouts are counted by django-axes in its own tables (throttle.py); what
is written here is the history people read, on the user (`AuditEvent.objects.for_object`).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from core.audit import Actor, audit_record
from core.emails import PASSWORD_RESET
from core.models import AuditEvent
from core.transactions import service_atomic

PASSWORD_HOW = {
    "changed": "Password changed on “My account”",
    "reset": "Password set with an emailed reset link",
}


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


def password_set(*, actor: Actor, user: AbstractBaseUser, password: str, how: str) -> None:
    """Give `user` a new (already validated) password, in the history.

    Every session of the user ends with it: Django keeps a hash of the password in each
    session and refuses a session whose hash no longer matches. The view that changed the
    password keeps its own session with `update_session_auth_hash`; `user.password` is updated
    on the caller's instance for that.
    """
    if how not in PASSWORD_HOW:
        raise ValueError(f"unknown password change {how!r}")
    with service_atomic():
        locked = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
        locked.set_password(password)
        locked.save(update_fields=["password"])
        user.password = locked.password
        audit_record(
            actor=actor, target=locked, action="password_changed", summary=PASSWORD_HOW[how]
        )


# One reset email per user in this time: asking again and again must not flood a mailbox.
RESET_EMAIL_INTERVAL = timedelta(minutes=5)


def password_reset_queue(*, user: AbstractBaseUser, to: str, reset_url: str) -> bool:
    """Email `user` a one-time link to set a new password, through the outbox. Returns False,
    sending nothing, when one was sent within RESET_EMAIL_INTERVAL (the page says the same
    either way)."""
    from notifications.services import email_queue

    with service_atomic():
        get_user_model()._default_manager.select_for_update().filter(
            pk=user.pk
        ).first()  # one at a time
        recent = AuditEvent.objects.for_object(user).filter(
            action="password_reset_requested", at__gte=timezone.now() - RESET_EMAIL_INTERVAL
        )
        if recent.exists():
            return False
        email_queue(
            to=to,
            template_key=PASSWORD_RESET,
            context={
                "name": user.get_full_name() or user.get_username(),
                "username": user.get_username(),
                "reset_url": reset_url,
                "valid_for": duration_text(settings.PASSWORD_RESET_TIMEOUT),
            },
            about=[user],
        )
        audit_record(
            actor=None,
            target=user,
            action="password_reset_requested",
            summary=f"Password reset link emailed to {to}",
        )
    return True
