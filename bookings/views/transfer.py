"""Transfer a delegate to another schedule (SPEC 5): through the shared action page, with the
preview of every document, allocation and balance before confirm."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.vary import vary_on_headers

from core.access import require
from core.web import action_view

from .. import services
from ..forms import TransferForm
from ..services.transfer import DISCOUNT_REFUSAL
from ._common import _booking_or_404


@require("transfer_delegates")
@vary_on_headers("HX-Request")
def booking_transfer(request: HttpRequest, pk: int, place_pk: int) -> HttpResponse:
    booking = _booking_or_404(pk)
    place = next((p for p in booking.places.all() if p.pk == place_pk), None)
    if place is None or place.contact is None:
        raise Http404("No such delegate on this booking")
    form = TransferForm(request.POST or None, current=place.schedule)
    return action_view(
        request,
        form=form,
        run=lambda data: services.booking_place_transfer(
            actor=request.user,
            booking=booking,
            place_id=place.pk,
            schedule=data["schedule"],
            fee_net=data["fee"],
            reason=data["reason"],
        ),
        done=lambda result, data: (
            f"{place.contact.full_name} transferred to {data['schedule'].code}."
        ),
        title=f"Transfer {place.contact.full_name}",
        subject=booking.reference,
        back_url=reverse("bookings:detail", args=[booking.pk]),
        submit="Transfer",
        intro_template="bookings/_transfer_intro.html",
        context={
            "booking": booking,
            "place": place,
            "refusal": DISCOUNT_REFUSAL if booking.has_discount else "",
        },
    )
