"""The actions of a booking, each through the shared action page (core.web.action_view)."""

from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.views.decorators.vary import vary_on_headers

from core.access import require
from core.forms import OptionalReasonForm
from core.web import posted

from .. import services
from ..forms import (
    BookingEditForm,
    CancelBookingForm,
    CancelDelegatesForm,
    DiscountForm,
)
from ..models import PlaceState
from ._common import _action, _booking_or_404


@require("manage_bookings")
@vary_on_headers("HX-Request")
def booking_edit(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(pk)
    initial = {"po_number": booking.po_number, "notes": booking.notes}
    form = BookingEditForm(request.POST or None, initial=initial)
    return _action(
        request,
        booking,
        form=form,
        run=lambda data: services.booking_update(
            actor=request.user,
            booking=booking,
            po_number=data["po_number"],
            notes=data["notes"],
            reason=data["reason"],
        ),
        done=lambda result, data: f"Booking {booking.reference} saved.",
        title="Edit booking",
        submit="Save",
        preview=False,  # no money changes; the PO email is named on the form
        intro="edit",
    )


@require("manage_bookings")
@vary_on_headers("HX-Request")
def booking_cancel_delegates(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(pk)
    booked = booking.places.filter(state=PlaceState.BOOKED).select_related("contact")
    form = CancelDelegatesForm(request.POST or None, places=booked)
    return _action(
        request,
        booking,
        form=form,
        run=lambda data: services.booking_cancel_delegates(
            actor=request.user,
            booking=booking,
            place_ids=[p.pk for p in data["places"]],
            reason=data["reason"],
            charge_net=data["charge"],
        ),
        done=lambda result, data: (
            f"Cancelled {', '.join(p.contact.full_name for p in data['places'])}."
        ),
        title="Cancel delegates",
        submit="Cancel delegates",
        danger=True,
        intro="cancel_delegates",
    )


@require("manage_bookings")
@vary_on_headers("HX-Request")
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(pk)
    form = CancelBookingForm(request.POST or None)
    return _action(
        request,
        booking,
        form=form,
        run=lambda data: services.booking_cancel(
            actor=request.user,
            booking=booking,
            reason=data["reason"],
            charge_net=data["charge"],
        ),
        done=lambda result, data: f"Booking {booking.reference} cancelled.",
        title="Cancel booking",
        submit="Cancel this booking",
        danger=True,
        intro="cancel",
    )


@require("manage_bookings")
@vary_on_headers("HX-Request")
def booking_discount(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(pk)
    initial = {
        "discount_kind": booking.discount_kind,
        "discount_value": booking.discount_value if booking.discount_kind else None,
    }
    form = DiscountForm(request.POST or None, initial=initial)
    return _action(
        request,
        booking,
        form=form,
        run=lambda data: services.booking_set_discount(
            actor=request.user,
            booking=booking,
            kind=data["discount_kind"],
            value=data["discount_value"] or Decimal("0"),
            reason=data["discount_reason"],
        ),
        done=lambda result, data: f"Discount of booking {booking.reference} saved.",
        title="Discount",
        submit="Save discount",
        intro="discount",
    )


@require("manage_bookings")
@vary_on_headers("HX-Request")
def booking_noshow(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Mark no-show" cannot be undone, so it asks first and names what it does."""
    booking = _booking_or_404(pk)
    form = OptionalReasonForm(posted(request))
    return _action(
        request,
        booking,
        form=form,
        run=lambda data: services.booking_mark_noshow(
            actor=request.user, booking=booking, reason=data["reason"]
        ),
        done=lambda result, data: f"Booking {booking.reference} is now no-show.",
        title="Mark no-show",
        submit="Mark no-show",
        danger=True,
        preview=False,
        consequence=(
            f"Booking {booking.reference} will be marked no-show: the booking can then no "
            "longer be edited, discounted or cancelled, and it cannot be set back to "
            "confirmed (only to completed). Nothing is credited: the invoice stays as it is."
        ),
    )
