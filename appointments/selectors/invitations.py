"""Reads of group appointment invitations: the booking's "Group" section and the portal."""

from django.contrib.auth.models import User
from django.db.models import Min, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, Family
from core.access import has

from ..forms.invitations import InviteForm
from ..models import AppointmentBooking, GroupInvitation, Seat
from ..states import SeatState


def booking_invitations(booking: AppointmentBooking) -> list[GroupInvitation]:
    """The invitations sent for `booking`, newest first, with the booking each one made."""
    return list(
        GroupInvitation.objects.filter(booking=booking).select_related(
            "accepted_booking", "accepted_booking__student"
        )[:100]
    )


def invite_panel_context(
    request: HttpRequest, booking: AppointmentBooking, *, form=None, back: str | None = None
) -> dict:
    return {
        "booking": booking,
        "invitations": booking_invitations(booking),
        "form": form if form is not None else InviteForm(),
        "can_manage": has(request.user, "manage_appointments"),
        "send_url": reverse("appointments:invite_send", args=[booking.pk]),
        "back": back or request.path,
    }


def _people(user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(Q(user=user) | Q(family__user=user)).values("pk")


def portal_appointment_bookings(user: User) -> QuerySet[AppointmentBooking]:
    """The appointment bookings of the logged-in student or of their family's students, with
    the next date still to come (None: none left)."""
    next_date = (
        Seat.objects.filter(
            booking=OuterRef("pk"),
            state=SeatState.BOOKED,
            occurrence__starts_at__gt=timezone.now(),
        )
        .values("booking")
        .annotate(first=Min("occurrence__date"))
        .values("first")
    )
    return (
        AppointmentBooking.objects.filter(student__in=_people(user))
        .select_related("student", "timeslot", "timeslot__appointment_type", "timeslot__staff")
        .annotate(next_date=Subquery(next_date))
        .order_by("-start_date", "-pk")
    )


def portal_invitations(user: User) -> list[GroupInvitation]:
    """The pending invitations sent to the account email of the user's family."""
    family = Family.objects.filter(user=user).only("account_email").first()
    if family is None:
        return []
    return list(
        GroupInvitation.objects.filter(
            email__iexact=family.account_email,
            accepted_at__isnull=True,
            revoked=False,
            expires_at__gt=timezone.now(),
        ).select_related(
            "booking",
            "booking__timeslot",
            "booking__timeslot__appointment_type",
            "booking__timeslot__staff",
        )[:50]
    )
