"""The "Group" section of a group appointment booking: the invitations sent and "Send Invite"
(seed 002, way 4). The section is the `{% invite_panel booking %}` tag on the booking's page;
its form posts here. This page shows the same section on its own (without JavaScript, and
when the form needs correcting)."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from core.access import has, require
from core.web import click_once, posted, submit_once

from ..forms.invitations import InviteForm
from ..models import AppointmentBooking, GroupInvitation
from ..selectors.invitations import invite_panel_context
from ..services.invitations import group_invite_revoke, group_invite_send

PANEL_TEMPLATE = "appointments/_invite_panel.html"


def _booking_or_404(pk: int) -> AppointmentBooking:
    return get_object_or_404(
        AppointmentBooking.objects.select_related(
            "student", "family", "timeslot", "timeslot__appointment_type", "timeslot__staff"
        ),
        pk=pk,
    )


def _back(request: HttpRequest, booking: AppointmentBooking) -> str:
    """Where the section was shown (the booking's page, sent as `back`), else this page."""
    back = request.POST.get("back", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return reverse("appointments:invite_send", args=[booking.pk])


def _base_url(request: HttpRequest) -> str:
    """The host the office is using, checked by Django against ALLOWED_HOSTS (as accounts'
    invitation links)."""
    return request.build_absolute_uri("/")


@require("view_appointments")
@vary_on_headers("HX-Request")
def invite_send(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(pk)
    form = InviteForm(posted(request))
    if request.method == "POST":
        if not has(request.user, "manage_appointments"):
            raise PermissionDenied
        response = submit_once(
            request,
            form,
            title=f"Send Invite for {booking.reference}",
            run=lambda: group_invite_send(
                actor=request.user,
                booking=booking,
                email=form.cleaned_data["email"],
                student_name=form.cleaned_data["student_name"],
                base_url=_base_url(request),
            ),
            url=_back(request, booking),
            done=lambda invitation: f"Invitation sent to {invitation.email}.",
        )
        if response is not None:
            return response
    context = invite_panel_context(request, booking, form=form, back=request.POST.get("back"))
    if request.htmx and request.method == "POST":
        return render(request, PANEL_TEMPLATE, context)
    return render(request, "appointments/invitations.html", context)


@require_POST
@require("manage_appointments")
def invite_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(GroupInvitation.objects.select_related("booking"), pk=pk)
    return click_once(
        request,
        title=f"Withdraw the invitation of {invitation.email}",
        url=_back(request, invitation.booking),
        run=lambda: group_invite_revoke(actor=request.user, invitation=invitation),
        done=lambda result: f"The invitation of {result.email} is withdrawn.",
    )


urlpatterns = [
    path("bookings/<int:pk>/invite/", invite_send, name="invite_send"),
    path("invitations/<int:pk>/withdraw/", invite_revoke, name="invite_revoke"),
]
