"""Portal accounts: a login for one student (`Contact.user`) or one family (`Family.user`,
which sees every student of the family), created from the contact's or family's page.

The portal reads only through those links (bookings.selectors.portal_bookings), so an
account sees its own contact's or family's bookings and nothing else.
"""

from django.contrib.auth.models import User

from contacts.models import Contact, Family
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.roles import Role
from core.transactions import service_atomic

from .. import emails
from ._common import (
    clean_email,
    create_login,
    display_name,
    lock_actor,
    lock_users,
    queue_invitation,
    require_capability,
)
from .staff import user_invitation_resend

# Whoever manages contacts gives them their portal login: it shows only their own bookings,
# which those staff see anyway.
CAPABILITY = "manage_contacts"


def portal_context(user: User) -> tuple[dict, list]:
    """The invitation email's context and the objects it is about, for a portal account."""
    family = Family.objects.filter(user=user).first()
    contact = Contact.objects.filter(user=user).first()
    return (
        {
            "name": display_name(user),
            "family": family.name if family else "",
        },
        [obj for obj in (family, contact) if obj is not None],
    )


def _invite(
    *, actor: Actor, owner: Contact | Family, email: str, first: str, last: str, base_url: str
) -> User:
    user = create_login(
        email=email, first_name=first, last_name=last, roles=[Role.STUDENT], field="email"
    )
    type(owner).objects.filter(pk=owner.pk).update(user=user)
    owner.user = user
    summary = f"Invited {email} to the portal for {owner}"
    for target in (user, owner):
        audit_record(
            actor=actor,
            target=target,
            action="portal.invite",
            summary=summary,
            data={"user_id": user.pk, f"{owner._meta.model_name}_id": owner.pk},
        )
    context, about = portal_context(user)
    queue_invitation(
        actor=actor,
        user=user,
        template_key=emails.PORTAL_INVITATION,
        context=context,
        base_url=base_url,
        about=about,
    )
    return user


def _existing(actor: Actor, owner: Contact | Family, base_url: str) -> User:
    """The owner already has a login: send a pending invitation again, or say why not."""
    user = owner.user
    if user.is_active and not user.has_usable_password():
        return user_invitation_resend(actor=actor, user=user, base_url=base_url)
    state = "is deactivated" if not user.is_active else "is already in use"
    raise DomainError(f"{owner} already has a portal login ({user.username}), which {state}.")


def portal_invite_contact(*, actor: Actor, contact: Contact, base_url: str) -> User:
    """Give a student their own portal login, by an invitation to the contact's email (or
    send a pending invitation again)."""
    require_capability(actor, CAPABILITY)
    with service_atomic():
        lock_actor(actor, lock_users(actor.pk))
        locked = (
            Contact.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=contact.pk)
        )
        if locked.user_id:
            return _existing(actor, locked, base_url)
        if not locked.email:
            raise DomainError(f"Add an email address to {locked.full_name} first.")
        return _invite(
            actor=actor,
            owner=locked,
            email=clean_email(locked.email),
            first=locked.first_name,
            last=locked.last_name,
            base_url=base_url,
        )


def portal_invite_family(*, actor: Actor, family: Family, base_url: str) -> User:
    """Give a family its portal login (it sees every student of the family), by an
    invitation to the family's account email (or send a pending invitation again)."""
    require_capability(actor, CAPABILITY)
    with service_atomic():
        lock_actor(actor, lock_users(actor.pk))
        locked = (
            Family.objects.select_for_update(of=("self",)).select_related("user").get(pk=family.pk)
        )
        if locked.user_id:
            return _existing(actor, locked, base_url)
        return _invite(
            actor=actor,
            owner=locked,
            email=clean_email(locked.account_email),
            first=locked.name,
            last="",
            base_url=base_url,
        )
