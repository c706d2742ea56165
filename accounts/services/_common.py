"""What the staff and portal services share: the permission check, locking users, creating a
login and queueing its invitation."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q

from core.access import has
from core.audit import Actor
from core.errors import DomainError
from notifications.services import email_queue

from .. import selectors
from ..tokens import invite_link

# Django's username column is 150 characters; the email address is the username.
MAX_EMAIL = 150


def require_capability(actor: Actor, capability: str) -> None:
    """The service's own check (views check too, but a service may be called from anywhere)."""
    if not has(actor, capability):
        raise PermissionDenied(f"You are not allowed to do this ({capability}).")


def display_name(user: User) -> str:
    return user.get_full_name() or user.username


def lock_users(*pks: int, admins: bool = False) -> dict[int, User]:
    """Lock these users (and, with `admins`, every active Admin) in id order, so two Admins
    changing each other at once queue instead of both passing the last-Admin check."""
    wanted = Q(pk__in=[pk for pk in pks if pk])
    if admins:
        wanted |= Q(pk__in=selectors.admin_user_ids(), is_active=True)
    return {u.pk: u for u in User.objects.select_for_update().filter(wanted).order_by("pk")}


def lock_actor(actor: Actor, locked: dict[int, User]) -> None:
    """An actor deactivated since their request began may no longer act."""
    row = locked.get(getattr(actor, "pk", None))
    if row is None or not row.is_active:
        raise PermissionDenied("Your account is not active.")


def clean_email(email: str, *, field: str = "email") -> str:
    email = (email or "").strip().lower()
    if not email:
        raise DomainError("Enter an email address.", field=field)
    if len(email) > MAX_EMAIL:
        raise DomainError(
            f"An email address used to log in can have at most {MAX_EMAIL} characters.",
            field=field,
        )
    try:
        validate_email(email)
    except Exception:
        raise DomainError(f"“{email}” is not a valid email address.", field=field) from None
    return email


def check_email_free(email: str, *, field: str = "email") -> None:
    clash = User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).first()
    if clash is not None:
        raise DomainError(
            f"{display_name(clash)} already logs in with {email}: each login needs its own "
            "email address.",
            field=field,
        )


def create_login(
    *, email: str, first_name: str, last_name: str, roles: Iterable[str], field: str = "email"
) -> User:
    """A new active user named by their email address, with no password yet (they choose one
    through the invitation link) and the given roles."""
    check_email_free(email, field=field)
    user = User(username=email, email=email, first_name=first_name[:150], last_name=last_name[:150])
    user.set_unusable_password()
    try:
        # A savepoint: two invitations of one address at once meet at the unique username.
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise DomainError(
            f"Someone else has just created a login for {email}.", field=field
        ) from None
    user.groups.add(*Group.objects.filter(name__in=list(roles)))
    return user


def queue_invitation(
    *,
    actor: Actor,
    user: User,
    template_key: str,
    context: dict[str, Any],
    base_url: str,
    about: Iterable = (),
    again: bool = False,
) -> None:
    """Email the set-password link. Sent `again`, the user first gets a fresh unusable
    password: earlier links stop working (the token hashes the password field)."""
    if again:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    email_queue(
        actor=actor,
        to=user.email or user.username,
        template_key=template_key,
        context={
            **context,
            "username": user.username,
            "link": invite_link(user, base_url=base_url),
            "days": settings.INVITE_LINK_DAYS,
        },
        about=[user, *about],
    )
