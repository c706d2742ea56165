"""Every write to contacts, organisations, memberships and families.

Each function is one transaction: lock what it changes, check the rule, write, record history.
"""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core.audit import Actor, audit_record
from core.errors import DomainError
from core.text import bounded

from . import phones
from .models import Contact, Family, Membership, Organisation

INVALID_MOBILE = "Enter a valid mobile number, e.g. 07700 900123 or +44 7700 900123."


def _clean_mobile(raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    normalised = phones.normalise(raw)
    if not normalised:
        raise DomainError(INVALID_MOBILE, field="mobile")
    return normalised


def _clean_name(value: str, label: str, field: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise DomainError(f"Enter the {label}.", field=field)
    return value


@transaction.atomic
def contact_create(
    *,
    actor: Actor,
    first_name: str,
    last_name: str,
    email: str = "",
    mobile: str = "",
    date_of_birth: date | None = None,
    family: Family | None = None,
) -> Contact:
    contact = Contact(
        first_name=_clean_name(first_name, "first name", "first_name"),
        last_name=_clean_name(last_name, "last name", "last_name"),
        email=(email or "").strip(),
        mobile=_clean_mobile(mobile),
        date_of_birth=date_of_birth,
        family=family,
    )
    contact.save()
    audit_record(actor=actor, target=contact, action="contact.create", summary=str(contact))
    return contact


CONTACT_FIELDS = ("first_name", "last_name", "email", "mobile", "date_of_birth", "family")


@transaction.atomic
def contact_update(
    *,
    actor: Actor,
    contact: Contact,
    first_name: str,
    last_name: str,
    email: str = "",
    mobile: str = "",
    date_of_birth: date | None = None,
    family: Family | None = None,
) -> Contact:
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    before = {f: str(getattr(locked, f) or "") for f in CONTACT_FIELDS}
    locked.first_name = _clean_name(first_name, "first name", "first_name")
    locked.last_name = _clean_name(last_name, "last name", "last_name")
    locked.email = (email or "").strip()
    locked.mobile = _clean_mobile(mobile)
    locked.date_of_birth = date_of_birth
    locked.family = family
    locked.save()
    changed = {
        f: [before[f], str(getattr(locked, f) or "")]
        for f in CONTACT_FIELDS
        if before[f] != str(getattr(locked, f) or "")
    }
    if changed:
        audit_record(
            actor=actor,
            target=locked,
            action="contact.update",
            summary=f"Changed {', '.join(f.replace('_', ' ') for f in changed)}",
            data=changed,
        )
    return locked


def _address(text: str) -> str:
    return bounded((text or "").strip(), label="Billing address", field="billing_address")


@transaction.atomic
def organisation_create(
    *,
    actor: Actor,
    name: str,
    billing_address: str = "",
    billing_email: str = "",
) -> Organisation:
    organisation = Organisation.objects.create(
        name=_clean_name(name, "organisation name", "name"),
        billing_address=_address(billing_address),
        billing_email=(billing_email or "").strip(),
    )
    audit_record(
        actor=actor, target=organisation, action="organisation.create", summary=organisation.name
    )
    return organisation


@transaction.atomic
def organisation_update(
    *,
    actor: Actor,
    organisation: Organisation,
    name: str,
    billing_address: str = "",
    billing_email: str = "",
) -> Organisation:
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    locked.name = _clean_name(name, "organisation name", "name")
    locked.billing_address = _address(billing_address)
    locked.billing_email = (billing_email or "").strip()
    locked.save()
    audit_record(
        actor=actor, target=locked, action="organisation.update", summary=f"Updated {locked.name}"
    )
    return locked


@transaction.atomic
def membership_add(
    *,
    actor: Actor,
    organisation: Organisation,
    contact: Contact,
    job_title: str = "",
) -> Membership:
    # Lock the organisation so two people adding the same member do not both pass the check.
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    if Membership.objects.filter(organisation=organisation, contact=contact).exists():
        raise DomainError(f"{contact.full_name} is already a member of {organisation.name}.")
    membership = Membership.objects.create(
        organisation=organisation, contact=contact, job_title=(job_title or "").strip()
    )
    audit_record(
        actor=actor,
        target=organisation,
        action="membership.add",
        summary=f"Added {contact.full_name}",
        data={"contact_id": contact.pk},
    )
    return membership


def membership_removal_consequence(*, organisation: Organisation, contact: Contact) -> str:
    """What removing this member leaves behind: the organisation's live bookings on which the
    contact is lead booker or a booked delegate ("" when there are none)."""
    from bookings.models import ACTIVE_STATUSES, Booking, BookingPlace, PlaceState

    live = Booking.objects.filter(organisation=organisation, status__in=ACTIVE_STATUSES)
    leads = list(live.filter(lead_booker=contact).values_list("reference", flat=True)[:20])
    delegate_on = list(
        BookingPlace.objects.filter(
            booking__in=live, contact=contact, state=PlaceState.BOOKED
        ).values_list("booking__reference", flat=True)[:20]
    )
    if not leads and not delegate_on:
        return ""
    parts = []
    if leads:
        parts.append("lead booker of " + ", ".join(leads))
    if delegate_on:
        parts.append("a delegate on " + ", ".join(delegate_on))
    return (
        f"{contact.full_name} is {' and '.join(parts)} for {organisation.name}. Those bookings "
        f"stay as they are, but {contact.first_name or contact.full_name} will no longer be "
        f"offered as a lead booker or delegate for new bookings of {organisation.name}."
    )


@transaction.atomic
def membership_remove(
    *, actor: Actor, organisation: Organisation, contact: Contact, reason: str = ""
) -> None:
    Organisation.objects.select_for_update().get(pk=organisation.pk)
    consequence = membership_removal_consequence(organisation=organisation, contact=contact)
    deleted, _ = Membership.objects.filter(organisation=organisation, contact=contact).delete()
    if not deleted:
        raise DomainError(f"{contact.full_name} is not a member of {organisation.name}.")
    audit_record(
        actor=actor,
        target=organisation,
        action="membership.remove",
        summary=f"Removed {contact.full_name}"
        + ("; still on live bookings" if consequence else ""),
        reason=bounded((reason or "").strip(), label="Reason", field="reason"),
        data={"contact_id": contact.pk, "consequence": consequence},
    )


def _check_account_email(email: str, *, exclude_pk: int | None = None) -> str:
    email = (email or "").strip().lower()
    if not email:
        raise DomainError("Enter the account email.", field="account_email")
    clash = Family.objects.filter(account_email__iexact=email)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise DomainError("Another family already uses this account email.", field="account_email")
    return email


@transaction.atomic
def family_create(
    *,
    actor: Actor,
    name: str,
    account_email: str,
    students: Iterable[Contact] = (),
    user: AbstractBaseUser | None = None,
) -> Family:
    family = Family.objects.create(
        name=_clean_name(name, "family name", "name"),
        account_email=_check_account_email(account_email),
        user=user,
    )
    ids = [s.pk for s in students]
    if ids:
        Contact.objects.filter(pk__in=ids).update(family=family)
    audit_record(
        actor=actor,
        target=family,
        action="family.create",
        summary=family.name,
        data={"students": ids},
    )
    return family


@transaction.atomic
def family_update(*, actor: Actor, family: Family, name: str, account_email: str) -> Family:
    locked = Family.objects.select_for_update().get(pk=family.pk)
    locked.name = _clean_name(name, "family name", "name")
    locked.account_email = _check_account_email(account_email, exclude_pk=locked.pk)
    locked.save()
    audit_record(actor=actor, target=locked, action="family.update", summary=f"Updated {locked}")
    return locked


@transaction.atomic
def family_student_add(*, actor: Actor, family: Family, contact: Contact) -> Contact:
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.family_id == family.pk:
        raise DomainError(f"{locked.full_name} is already a student of this family.")
    if locked.family_id is not None:
        raise DomainError(
            f"{locked.full_name} belongs to another family; remove them from it first."
        )
    locked.family = family
    locked.save(update_fields=["family"])
    audit_record(
        actor=actor,
        target=family,
        action="family.student_add",
        summary=f"Added student {locked.full_name}",
        data={"contact_id": locked.pk},
    )
    return locked


@transaction.atomic
def family_student_remove(*, actor: Actor, family: Family, contact: Contact) -> Contact:
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.family_id != family.pk:
        raise DomainError(f"{locked.full_name} is not a student of this family.")
    locked.family = None
    locked.save(update_fields=["family"])
    audit_record(
        actor=actor,
        target=family,
        action="family.student_remove",
        summary=f"Removed student {locked.full_name}",
        data={"contact_id": locked.pk},
    )
    return locked
