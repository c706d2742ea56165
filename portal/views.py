"""The student / family portal (a minimal list for now; the full portal comes later).

A portal user sees only the bookings of their own contact or of their family's students; any
other id answers 404, never 403, so ids of other families' bookings are not even confirmed.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from appointments.selectors.invitations import portal_appointment_bookings, portal_invitations
from bookings import selectors
from bookings.models import Booking
from core.access import require


@require("portal_access")
def home(request: HttpRequest) -> HttpResponse:
    bookings = list(selectors.portal_bookings(request.user)[:200])
    return render(
        request,
        "portal/home.html",
        {
            "bookings": bookings,
            "appointments": list(portal_appointment_bookings(request.user)[:200]),
            "invitations": portal_invitations(request.user),
        },
    )


@require("portal_access")
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        booking = selectors.portal_bookings(request.user).get(pk=pk)
    except Booking.DoesNotExist:
        raise Http404("No such booking") from None
    places = selectors.portal_places(request.user, booking)
    return render(request, "portal/booking.html", {"booking": booking, "places": places})
