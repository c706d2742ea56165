"""Staff users: invite, change roles, deactivate, reactivate, delete an unused login, and the
invitee choosing a password. Each is one transaction that locks the users it changes (and the
active Admins, when the last-Admin rule is at stake), checks the actor's capability and the
rule, writes, and records the change in the user's history."""

from collections.abc import Iterable

from django.contrib.auth.models import Group, User

from core.access import has
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.roles import STAFF_ROLES, Role
from core.transactions import service_atomic

from .. import emails, selectors
from ..tokens import invite_token
from ._common import (
    clean_email,
    create_login,
    display_name,
    lock_actor,
    lock_users,
    queue_invitation,
    require_capability,
)

MANAGE = "manage_users"


def _clean_roles(roles: Iterable[str]) -> list[str]:
    given = set(roles)
    chosen = [r for r in STAFF_ROLES if r in given]  # SPEC order, no duplicates
    unknown = given - set(STAFF_ROLES)
    if unknown:
        raise DomainError(f"There is no staff role called “{sorted(unknown)[0]}”.", field="roles")
    if not chosen:
        raise DomainError("Choose at least one role.", field="roles")
    return chosen


def _clean_name(value: str, label: str, field: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise DomainError(f"Enter the {label}.", field=field)
    if len(value) > 150:
        raise DomainError(f"The {label} can have at most 150 characters.", field=field)
    return value


def _roles_text(roles: Iterable[str]) -> str:
    return ", ".join(roles) or "no role"


def _current_roles(user: User) -> list[str]:
    names = set(user.groups.values_list("name", flat=True))
    return [r for r in (*STAFF_ROLES, Role.STUDENT) if r in names]


def _staff_context(*, actor: Actor, user: User, roles: Iterable[str]) -> dict:
    return {
        "name": display_name(user),
        "roles": _roles_text(roles),
        "invited_by": display_name(actor) if actor is not None else "",
    }


def _guard_last_admin(user: User, *, losing: str) -> None:
    """`user` is about to stop being an active Admin (`losing` says how)."""
    admins = selectors.active_admin_ids()
    if user.pk in admins and not admins - {user.pk}:
        raise DomainError(
            f"{display_name(user)} is the last active Admin: give another user the Admin role "
            f"before {losing}."
        )


def user_invite(
    *,
    actor: Actor,
    first_name: str,
    last_name: str,
    email: str,
    roles: Iterable[str],
    base_url: str,
) -> User:
    """Create a staff login (no password yet) and email its set-password link."""
    require_capability(actor, MANAGE)
    first = _clean_name(first_name, "first name", "first_name")
    last = _clean_name(last_name, "last name", "last_name")
    address = clean_email(email)
    chosen = _clean_roles(roles)
    with service_atomic():
        lock_actor(actor, lock_users(actor.pk))
        user = create_login(email=address, first_name=first, last_name=last, roles=chosen)
        audit_record(
            actor=actor,
            target=user,
            action="user.invite",
            summary=f"Invited {display_name(user)} ({address}) as {_roles_text(chosen)}",
            data={"roles": chosen, "email": address},
        )
        queue_invitation(
            actor=actor,
            user=user,
            template_key=emails.STAFF_INVITATION,
            context=_staff_context(actor=actor, user=user, roles=chosen),
            base_url=base_url,
        )
    return user


def user_invitation_resend(*, actor: Actor, user: User, base_url: str) -> User:
    """Send the invitation again with a new link (earlier links stop working). Staff logins
    need manage_users; a portal account's may also be sent by whoever manages contacts."""
    portal = selectors.is_portal_account(user)
    if not (portal and has(actor, "manage_contacts")):
        require_capability(actor, MANAGE)
    with service_atomic():
        locked = lock_users(actor.pk, user.pk)
        lock_actor(actor, locked)
        target = locked.get(user.pk)
        if target is None:
            raise DomainError("This user no longer exists.")
        if not target.is_active:
            raise DomainError(
                f"{display_name(target)} is deactivated: reactivate them before inviting them."
            )
        if target.has_usable_password():
            raise DomainError(
                f"{display_name(target)} has already chosen a password; there is no "
                "invitation to send."
            )
        if portal:
            from .portal import portal_context

            template_key, context, about = emails.PORTAL_INVITATION, *portal_context(target)
        else:
            roles = _current_roles(target)
            template_key = emails.STAFF_INVITATION
            context, about = _staff_context(actor=actor, user=target, roles=roles), []
        audit_record(
            actor=actor,
            target=target,
            action="user.invitation_resend",
            summary=f"Sent the invitation to {target.email or target.username} again",
        )
        queue_invitation(
            actor=actor,
            user=target,
            template_key=template_key,
            context=context,
            base_url=base_url,
            about=about,
            again=True,
        )
    return target


def user_roles_change(*, actor: Actor, user: User, roles: Iterable[str], reason: str = "") -> User:
    require_capability(actor, MANAGE)
    chosen = _clean_roles(roles)
    with service_atomic():
        locked = lock_users(actor.pk, user.pk, admins=True)
        lock_actor(actor, locked)
        target = locked.get(user.pk)
        if target is None:
            raise DomainError("This user no longer exists.")
        if selectors.is_portal_account(target):
            raise DomainError(
                "A portal account has no staff roles: it sees only its own contact's or "
                "family's bookings."
            )
        before = _current_roles(target)
        if before == chosen:
            raise DomainError(f"{display_name(target)} already has exactly these roles.")
        if Role.ADMIN in before and Role.ADMIN not in chosen:
            if target.pk == actor.pk:
                raise DomainError(
                    "You cannot remove your own Admin role; ask another Admin.", field="roles"
                )
            _guard_last_admin(target, losing="removing theirs")
        target.groups.set(Group.objects.filter(name__in=chosen))
        audit_record(
            actor=actor,
            target=target,
            action="user.roles_change",
            summary=f"Roles changed from {_roles_text(before)} to {_roles_text(chosen)}",
            reason=(reason or "").strip(),
            data={"before": before, "after": chosen},
        )
    return target


def user_deactivate(*, actor: Actor, user: User, reason: str = "") -> User:
    """The user can no longer log in (their open sessions end at their next request: the
    authentication backend refuses inactive users). Their history stays as it is."""
    require_capability(actor, MANAGE)
    if user.pk == getattr(actor, "pk", None):
        raise DomainError("You cannot deactivate yourself; ask another Admin.")
    return _set_active(actor=actor, user=user, active=False, reason=reason)


def user_reactivate(*, actor: Actor, user: User, reason: str = "") -> User:
    require_capability(actor, MANAGE)
    return _set_active(actor=actor, user=user, active=True, reason=reason)


def _set_active(*, actor: Actor, user: User, active: bool, reason: str) -> User:
    """Deactivate or reactivate under the users' locks; deactivating locks the Admins too, so
    the last active Admin is never lost to two Admins removing each other at once."""
    with service_atomic():
        locked = lock_users(actor.pk, user.pk, admins=not active)
        lock_actor(actor, locked)
        target = locked.get(user.pk)
        if target is None:
            raise DomainError("This user no longer exists.")
        if target.is_active == active:
            state = "active" if active else "deactivated"
            raise DomainError(f"{display_name(target)} is already {state}.")
        if not active:
            _guard_last_admin(target, losing="deactivating them")
        target.is_active = active
        target.save(update_fields=["is_active"])
        done = "Reactivated" if active else "Deactivated"
        audit_record(
            actor=actor,
            target=target,
            action="user.reactivate" if active else "user.deactivate",
            summary=f"{done} {display_name(target)}",
            reason=(reason or "").strip(),
        )
    return target


def user_delete(*, actor: Actor, user: User, reason: str = "") -> None:
    """Delete a login nobody has used (an invitation sent to a wrong address). A user with
    any history (logged in, did anything, named by any row) is never deleted: deactivate."""
    require_capability(actor, MANAGE)
    if user.pk == getattr(actor, "pk", None):
        raise DomainError("You cannot delete yourself.")
    with service_atomic():
        locked = lock_users(actor.pk, user.pk, admins=True)
        lock_actor(actor, locked)
        target = locked.get(user.pk)
        if target is None:
            raise DomainError("This user no longer exists.")
        if selectors.user_has_history(target):
            raise DomainError(
                f"{display_name(target)} has history, so they cannot be deleted; deactivate "
                "them instead."
            )
        if target.is_active:
            _guard_last_admin(target, losing="deleting them")
        # Recorded first: the history entry keeps the id the user had.
        audit_record(
            actor=actor,
            target=target,
            action="user.delete",
            summary=f"Deleted the unused login {target.username}",
            reason=(reason or "").strip(),
            data={"username": target.username, "roles": _current_roles(target)},
        )
        target.delete()


def user_invitation_accept(*, actor: Actor, user: User, token: str, password: str) -> User:
    """The invitee chooses their password through the link (the token is their proof, so the
    history names them as the actor; `actor` is None for the anonymous visitor or the user).
    The password has been checked by the form (Django's validators). Used once: setting the
    password changes the hash the token is made from."""
    with service_atomic():
        target = lock_users(user.pk).get(user.pk)
        if target is None or not target.is_active or not invite_token.check_token(target, token):
            raise DomainError(
                "This invitation link has expired or has already been used. Ask for a new one."
            )
        if getattr(actor, "pk", None) not in (None, target.pk):
            raise DomainError(
                f"You are logged in as {display_name(actor)}: log out, then open the link again."
            )
        target.set_password(password)
        target.save(update_fields=["password"])
        audit_record(
            actor=target,
            target=target,
            action="user.invitation_accept",
            summary=f"{display_name(target)} chose a password through the invitation link",
        )
    return target
