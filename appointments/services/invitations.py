"""Group appointment invitations (seed 002, way 4; SPEC 8).

The office invites a family, by its account email, to share a group booking ("Send Invite");
the family follows the emailed link within 24 hours, logged in as the family account of
that email, picks a student and joins: the student is booked into the group booking's
remaining dates (same timeslot, the inviting booking's booked dates not yet started) by the
one booking function, `book(source=INVITATION)`.

Lock order: invitation -> inviting booking -> occurrences (by pk), the booking before its
occurrences as `appointment_cancel` takes them, so accepting and cancelling the group
booking at once queue instead of deadlocking.
"""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import timezone

from accounts import emails as account_emails
from accounts.services._common import create_login, queue_invitation
from accounts.services.portal import portal_context
from contacts.models import Contact, Family
from contacts.services import contact_create
from core.access import has
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.roles import Role
from core.transactions import service_atomic
from notifications.services import email_queue

from ..emails.invitations import GROUP_INVITATION
from ..models import AppointmentBooking, GroupInvitation, Occurrence, Seat
from ..models.invitations import LIFETIME
from ..states import OPEN_STATUSES, BookingFrequency, BookingSource, SeatState
from .book import book
from .manage import lock_booking

SHOWN_DATES = 6
MAX_EMAIL = 254
MAX_NAME = 200
FULL = "This group appointment is full."


def _day(d: datetime.date) -> str:
    return f"{d:%a %d %b %Y}"


def _local(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%a %d %b %Y %H:%M}"


def clean_invite_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not email:
        raise DomainError("Enter the family's account email address.", field="email")
    if len(email) > MAX_EMAIL:
        raise DomainError(f"An email address has at most {MAX_EMAIL} characters.", field="email")
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(f"“{email}” is not a valid email address.", field="email") from None
    return email


def split_student_name(name: str) -> tuple[str, str]:
    """First and last name of "Mia Thompson" (the last word is the last name)."""
    words = " ".join((name or "").split()).split(" ")
    if len(words) < 2 or not all(words):
        raise DomainError("Enter the student's first and last name.", field="student_name")
    return " ".join(words[:-1]), words[-1]


def remaining_seats(booking: AppointmentBooking) -> list[Seat]:
    """The booking's booked seats that have not started, in date order: the dates an invited
    student joins."""
    return list(
        Seat.objects.filter(
            booking=booking,
            state=SeatState.BOOKED,
            occurrence__cancelled=False,
            occurrence__starts_at__gt=timezone.now(),
        )
        .select_related("occurrence")
        .order_by("occurrence__starts_at")
    )


def _refuse_unsharable(booking: AppointmentBooking) -> list[Seat]:
    """Why this booking cannot be shared now, or its remaining seats."""
    if not booking.timeslot.is_group:
        raise DomainError(
            "Only a group appointment can be shared: this timeslot takes one student."
        )
    if booking.is_cancelled:
        raise DomainError(f"{booking.reference} is cancelled.")
    if booking.status not in OPEN_STATUSES:
        raise DomainError(f"{booking.reference} is {booking.status_label}: it cannot be shared.")
    seats = remaining_seats(booking)
    if not seats:
        raise DomainError(f"{booking.reference} has no dates left to share.")
    _refuse_full([s.occurrence for s in seats])
    return seats


def _refuse_full(occurrences: list[Occurrence]) -> None:
    full = [o for o in occurrences if o.taken >= o.capacity]
    if not full:
        return
    if len(full) == len(occurrences):
        raise DomainError(FULL)
    days = ", ".join(_day(o.date) for o in full[:5]) + (" …" if len(full) > 5 else "")
    raise DomainError(f"{FULL[:-1]} on {days}.")


def invitation_link(invitation: GroupInvitation, *, base_url: str) -> str:
    path = reverse("portal:invitation", args=[invitation.pk, invitation.token()])
    return base_url.rstrip("/") + path


def group_invite_send(
    *, actor: Actor, booking: AppointmentBooking, email: str, student_name: str, base_url: str
) -> GroupInvitation:
    """Invite the family of `email` (its account email) to share the group `booking`: the
    invitation (valid 24 hours, single use) and its email with the link, whose host is
    `base_url` (the request's, checked against ALLOWED_HOSTS)."""
    if not has(actor, "manage_appointments"):
        raise PermissionDenied
    email = clean_invite_email(email)
    student_name = " ".join((student_name or "").split())
    if len(student_name) > MAX_NAME:
        raise DomainError(
            f"A student name has at most {MAX_NAME} characters.", field="student_name"
        )
    split_student_name(student_name)
    with service_atomic():
        locked = lock_booking(booking)
        seats = _refuse_unsharable(locked)
        now = timezone.now()
        invitation = GroupInvitation.objects.create(
            booking=locked,
            email=email,
            student_name=student_name,
            nonce=secrets.token_urlsafe(32),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=now,
            expires_at=now + LIFETIME,
        )
        timeslot = locked.timeslot
        summary = f"Invited {student_name} ({email}) to share {locked.reference}"
        for target in (locked, invitation):
            audit_record(
                actor=actor,
                target=target,
                action="appointment.invite",
                summary=summary,
                data={"invitation_id": invitation.pk},
            )
        dates = [_day(s.occurrence.date) for s in seats]
        email_queue(
            actor=actor,
            to=email,
            template_key=GROUP_INVITATION,
            context={
                "student_name": student_name,
                "appointment_type": timeslot.appointment_type.name,
                "staff_name": timeslot.staff_name,
                "times": f"{timeslot.start_time:%H:%M}–{timeslot.end_time:%H:%M}",
                "dates": dates[:SHOWN_DATES],
                "more_dates": max(len(dates) - SHOWN_DATES, 0),
                "location": timeslot.location,
                "link": invitation_link(invitation, base_url=base_url),
                "expires": _local(invitation.expires_at),
                "seller_name": settings.SELLER["name"],
            },
            about=[locked],
        )
    return invitation


def group_invite_revoke(*, actor: Actor, invitation: GroupInvitation) -> GroupInvitation:
    """Withdraw a pending invitation: its link stops working."""
    if not has(actor, "manage_appointments"):
        raise PermissionDenied
    with service_atomic():
        locked = GroupInvitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_pending:
            raise DomainError(f"This invitation is already {locked.status_label.lower()}.")
        GroupInvitation.objects.filter(pk=locked.pk).update(revoked=True)
        locked.revoked = True
        audit_record(
            actor=actor,
            target=locked,
            action="appointment.invite_revoke",
            summary=f"Withdrew the invitation of {locked.email}",
        )
    return locked


def invitation_refusal(invitation: GroupInvitation) -> str:
    """Why the link no longer works ("" while it does)."""
    if invitation.accepted_at is not None:
        return "This invitation has already been used: each invitation link works once."
    if invitation.revoked:
        return "This invitation was withdrawn by the office."
    if invitation.is_expired:
        return (
            "This invitation has expired: the link is valid for 24 hours. Ask the office to "
            "send a new one."
        )
    return ""


def family_of(user: User | None) -> Family | None:
    if user is None or not user.is_authenticated:
        return None
    return Family.objects.filter(user=user).first()


def wrong_account_message(invitation: GroupInvitation) -> str:
    return f"This invitation was sent to {invitation.email}; log in with that family account."


def matching_student(family: Family, invitation: GroupInvitation) -> Contact | None:
    """The family's student named as in the invitation (case-insensitive), if any."""
    first, last = split_student_name(invitation.student_name)
    return (
        Contact.objects.filter(family=family, first_name__iexact=first, last_name__iexact=last)
        .order_by("pk")
        .first()
    )


def group_invite_accept(
    *, user: User, invitation: GroupInvitation, student: Contact | None
) -> AppointmentBooking:
    """Join the group: book `student` (one of the family's students; None: a new student of
    the family named as in the invitation, offered when no student has that name) into the
    group booking's remaining dates. `user` must be the family login of the invitation's
    email. One transaction; history on both bookings and on the invitation."""
    if user is None or not user.is_authenticated or not has(user, "portal_access"):
        raise PermissionDenied
    with service_atomic():
        locked = GroupInvitation.objects.select_for_update().filter(pk=invitation.pk).first()
        if locked is None:
            raise DomainError("That invitation does not exist.")
        refusal = invitation_refusal(locked)
        if refusal:
            raise DomainError(refusal)
        family = family_of(user)
        if family is None or family.account_email.lower() != locked.email.lower():
            raise DomainError(wrong_account_message(locked))
        if student is None:
            if matching_student(family, locked) is not None:
                raise DomainError("Choose the student who joins.", field="student")
            first, last = split_student_name(locked.student_name)
            student = contact_create(actor=user, first_name=first, last_name=last, family=family)
        elif student.family_id != family.pk:
            raise DomainError("Choose one of your family's students.", field="student")
        group = lock_booking(locked.booking)
        if group.is_cancelled or group.status not in OPEN_STATUSES:
            raise DomainError("The group appointment of this invitation is no longer running.")
        seats = remaining_seats(group)
        if not seats:
            raise DomainError("The group appointment of this invitation has no dates left.")
        occurrences = list(
            Occurrence.objects.select_for_update()
            .filter(pk__in=[s.occurrence_id for s in seats])
            .order_by("pk")
        )
        _refuse_full(occurrences)
        dates = [s.occurrence.date for s in seats]
        recurring = group.is_recurring and len(dates) > 1
        name = f"{student.first_name} {student.last_name}"
        joined = book(
            actor=user,
            student=student,
            timeslot=group.timeslot,
            frequency=BookingFrequency.RECURRING if recurring else BookingFrequency.NON_RECURRING,
            start_date=dates[0],
            end_date=group.end_date if recurring else dates[0],
            weekdays=group.weekday_numbers if recurring else (),
            dates=dates,
            source=BookingSource.INVITATION,
            history=(
                f"Joined group booking {group.reference} by invitation: {name}, "
                f"{len(dates)} date{'s' if len(dates) != 1 else ''} from {_day(dates[0])}"
            ),
        )
        if recurring and group.generated_until is not None:
            # The joined series moves on with the group's (the beat task books both).
            AppointmentBooking.objects.filter(pk=joined.pk).update(
                generated_until=min(group.generated_until, joined.generated_until or dates[-1])
            )
        now = timezone.now()
        GroupInvitation.objects.filter(pk=locked.pk).update(
            accepted_at=now, accepted_by=user, accepted_booking=joined
        )
        locked.accepted_at, locked.accepted_by, locked.accepted_booking = now, user, joined
        summary = f"{name} joined by invitation ({locked.email}): {joined.reference}"
        for target in (group, locked):
            audit_record(
                actor=user,
                target=target,
                action="appointment.invite_accept",
                summary=summary,
                data={"invitation_id": locked.pk, "booking_id": joined.pk},
            )
    return joined


def group_invite_account_create(*, invitation: GroupInvitation, base_url: str) -> User:
    """ "Create an account" on the invitation page: the family whose account email the
    invitation names, which has no portal login yet, gets one, and the set-password link is
    emailed to that address (accounts' portal invitation). Owning the mailbox is the proof:
    nobody gets a login by holding the invitation link alone."""
    with service_atomic():
        locked = GroupInvitation.objects.select_for_update().get(pk=invitation.pk)
        refusal = invitation_refusal(locked)
        if refusal:
            raise DomainError(refusal)
        family = (
            Family.objects.select_for_update(of=("self",))
            .filter(account_email__iexact=locked.email)
            .order_by("pk")
            .first()
        )
        if family is None:
            raise DomainError(
                f"No family account uses {locked.email}. Ask the office to add your family "
                "with this email address first."
            )
        if family.user_id:
            raise DomainError(
                f"{family} already has a portal login: log in with it, or use the link of "
                "the email that invited you to the portal."
            )
        user = create_login(
            email=locked.email, first_name=family.name, last_name="", roles=[Role.STUDENT]
        )
        Family.objects.filter(pk=family.pk).update(user=user)
        summary = f"Portal login created for {family} from a group appointment invitation"
        for target in (user, family, locked):
            audit_record(
                actor=None,
                target=target,
                action="portal.invite",
                summary=summary,
                data={"user_id": user.pk, "family_id": family.pk},
            )
        context, about = portal_context(user)
        queue_invitation(
            actor=None,
            user=user,
            template_key=account_emails.PORTAL_INVITATION,
            context=context,
            base_url=base_url,
            about=about,
        )
    return user
