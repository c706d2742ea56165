"""Shared by the bookings pages: the booking or a 404, and the action page of a booking."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from core.web import action_view

from .. import selectors
from ..models import Booking


def _booking_or_404(pk: int) -> Booking:
    try:
        return selectors.booking_detail(pk)
    except Booking.DoesNotExist:
        raise Http404("No such booking") from None


def _action(request: HttpRequest, booking: Booking, **kwargs) -> HttpResponse:
    """An action on one booking, through the shared action page (core.web.action_view)."""
    name = kwargs.pop("intro", "")
    return action_view(
        request,
        subject=booking.reference,
        back_url=reverse("bookings:detail", args=[booking.pk]),
        intro_template=f"bookings/_{name}_intro.html" if name else "",
        context={"booking": booking},
        **kwargs,
    )
