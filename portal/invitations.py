"""The portal side of group appointment invitations (seed 002, way 4) and of appointment
bookings.

The invitation link is public (`/portal/invitations/<id>/<token>/`): not logged in, it offers
"Log in" (back to the link afterwards), or "Create an account" when the family of the
invitation's email has no portal login yet (the set-password link is emailed to that
address: owning the mailbox is the proof). Logged in as that family, it offers the family's
students and "Join". Any other login is told which account the invitation was sent to.
A wrong or unknown link answers 404; ids of other families' objects answer 404 too.
"""

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from appointments.forms.invitations import JoinForm
from appointments.models import AppointmentBooking, GroupInvitation
from appointments.selectors.invitations import portal_appointment_bookings
from appointments.services.invitations import (
    family_of,
    group_invite_accept,
    group_invite_account_create,
    invitation_refusal,
    remaining_seats,
    split_student_name,
    wrong_account_message,
)
from contacts.models import Contact, Family
from core.access import require
from core.errors import DomainError
from core.web import click_once, htmx_redirect, posted, submit_once


def _invitation_or_404(pk: int, link_token: str) -> GroupInvitation:
    invitation = (
        GroupInvitation.objects.select_related(
            "booking",
            "booking__timeslot",
            "booking__timeslot__appointment_type",
            "booking__timeslot__staff",
        )
        .filter(pk=pk)
        .first()
    )
    if invitation is None or not invitation.token_matches(link_token):
        raise Http404("No such invitation")
    return invitation


def _account_state(invitation: GroupInvitation) -> str:
    """For a visitor not logged in: what the page offers."""
    family = (
        Family.objects.filter(account_email__iexact=invitation.email)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if family is None:
        return "no_family"
    if family.user is None:
        return "create"
    if not family.user.has_usable_password():
        return "pending"  # a login exists, its set-password email not used yet
    return "login"


def _new_student_name(invitation: GroupInvitation, students: list[Contact]) -> str:
    """The invited name, offered as a new student when none of the family's has it."""
    try:
        first, last = split_student_name(invitation.student_name)
    except DomainError:
        return ""
    for s in students:
        if s.first_name.lower() == first.lower() and s.last_name.lower() == last.lower():
            return ""
    return invitation.student_name


@never_cache
def invitation(request: HttpRequest, pk: int, link_token: str) -> HttpResponse:
    invitation = _invitation_or_404(pk, link_token)
    if invitation.accepted_by_id and invitation.accepted_by_id == request.user.pk:
        # Their own used link: the booking it made, never a second one.
        return htmx_redirect(
            request, reverse("portal:appointment", args=[invitation.accepted_booking_id])
        )
    context = {"invitation": invitation, "refusal": invitation_refusal(invitation)}
    if context["refusal"]:
        return render(request, "portal/invitation.html", context)
    context["dates"] = [s.occurrence for s in remaining_seats(invitation.booking)]
    if not request.user.is_authenticated:
        login = reverse("login") + "?" + urlencode({"next": request.path})
        context.update(state=_account_state(invitation), login_url=login)
        return render(request, "portal/invitation.html", context)
    family = family_of(request.user)
    if family is None or family.account_email.lower() != invitation.email.lower():
        context["wrong_account"] = wrong_account_message(invitation)
        return render(request, "portal/invitation.html", context)
    students = list(Contact.objects.filter(family=family).order_by("first_name", "last_name"))
    form = JoinForm(
        posted(request), students=students, new_name=_new_student_name(invitation, students)
    )
    if request.method == "POST":
        response = submit_once(
            request,
            form,
            title=f"Join {invitation.booking.timeslot.appointment_type.name}",
            run=lambda: group_invite_accept(
                user=request.user, invitation=invitation, student=form.chosen_student()
            ),
            url=lambda joined: reverse("portal:appointment", args=[joined.pk]),
            done=lambda joined: (
                f"{joined.student.first_name} {joined.student.last_name} has joined the group "
                f"appointment ({joined.reference})."
            ),
        )
        if response is not None:
            return response
    context.update(form=form, family=family)
    return render(request, "portal/invitation.html", context)


def invitation_account(request: HttpRequest, pk: int, link_token: str) -> HttpResponse:
    """The "Create an account" button (POST): a portal login for the invited family, its
    set-password link emailed. Anything else goes back to the link's page."""
    invitation = _invitation_or_404(pk, link_token)
    back = reverse("portal:invitation", args=[pk, link_token])
    if request.method != "POST" or request.user.is_authenticated:
        return htmx_redirect(request, back)
    return click_once(
        request,
        title="Create an account",
        url=back,
        run=lambda: group_invite_account_create(
            invitation=invitation, base_url=request.build_absolute_uri("/")
        ),
        done=lambda user: (
            f"Your account is created. We have emailed {user.email} a link to choose your "
            "password: then log in and open this invitation again."
        ),
    )


@require("portal_access")
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        booking = portal_appointment_bookings(request.user).get(pk=pk)
    except AppointmentBooking.DoesNotExist:
        raise Http404("No such booking") from None
    seats = list(booking.seats.select_related("occurrence").order_by("occurrence__starts_at"))
    return render(request, "portal/appointment.html", {"booking": booking, "seats": seats})
