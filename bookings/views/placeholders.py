"""Placeholder pages: "Buy placeholder places" (from the bookings page), and on a placeholder's
page "Assign delegate", "Unassign", "Part-cancel places" and "Cancel all places", each
through the shared action page (core.web.action_view); the money actions are previewed."""

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.vary import vary_on_headers

from contacts.models import Contact, Organisation
from core.access import require
from core.forms import OptionalReasonForm
from core.web import action_view, int_or_none, posted
from schedules.models import Schedule

from .. import services
from ..forms import (
    PlaceholderAssignForm,
    PlaceholderBuyForm,
    PlaceholderCancelAllForm,
    PlaceholderPartCancelForm,
    PlaceholderTransferForm,
)
from ..models import Booking, BookingPlace, BookingType, PlaceState
from ..services.placeholder.transfer import placeholder_invoice_refusal
from ._common import _action, _booking_or_404


def _placeholder_or_404(pk: int) -> Booking:
    booking = _booking_or_404(pk)
    if booking.kind != BookingType.PLACEHOLDER:
        raise Http404("Not a placeholder booking")
    return booking


def _members(organisation_id: int):
    return Contact.objects.filter(memberships__organisation_id=organisation_id).order_by(
        "last_name", "first_name", "pk"
    )


@require("manage_bookings")
def placeholder_new(request: HttpRequest) -> HttpResponse:
    """Step 1 of "Buy placeholder places": the organisation and the schedule."""
    errors: dict[str, str] = {}
    org_id = int_or_none(request.GET.get("organisation"))
    code = (request.GET.get("schedule") or "").strip()[:40]
    organisation = Organisation.objects.filter(pk=org_id).first() if org_id else None
    schedule = Schedule.objects.filter(code__iexact=code).first() if code else None
    if "go" in request.GET:
        if organisation is None:
            errors["organisation"] = "Choose the organisation."
        if schedule is None:
            errors["schedule"] = (
                f"No schedule has the Schedule ID {code}." if code else "Enter the Schedule ID."
            )
        if not errors:
            return redirect("bookings:placeholder_buy", organisation.pk, schedule.pk)
    return render(
        request,
        "bookings/placeholder_new.html",
        {"organisation": organisation, "schedule_code": code, "errors": errors},
    )


@require("manage_bookings")
@vary_on_headers("HX-Request")
def placeholder_buy(request: HttpRequest, org_pk: int, schedule_pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=org_pk)
    schedule = get_object_or_404(Schedule.objects.select_related("course"), pk=schedule_pk)
    form = PlaceholderBuyForm(
        request.POST or None,
        members=_members(organisation.pk),
        initial={"token": uuid.uuid4().hex},
    )

    def run(data):
        booking = services.placeholder_buy(
            actor=request.user,
            schedule=schedule,
            organisation=organisation,
            places=data["places"],
            lead_booker=data["lead_booker"],
            po_number=data["po_number"],
            idempotency_key=data["token"],
        )
        return booking

    return action_view(
        request,
        form=form,
        run=run,
        done=lambda booking, data: (
            f"Placeholder {booking.reference}: {data['places']} places bought for "
            f"{organisation.name} on {schedule.code}."
        ),
        title="Buy placeholder places",
        subject=f"{organisation.name} · {schedule.code}",
        back_url=reverse("bookings:list"),
        success_url=lambda booking: reverse("bookings:detail", args=[booking.pk]),
        submit="Buy places",
        intro_template="bookings/_placeholder_buy_intro.html",
        context={"organisation": organisation, "schedule": schedule},
    )


@require("manage_bookings")
@vary_on_headers("HX-Request")
def placeholder_assign(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _placeholder_or_404(pk)
    form = PlaceholderAssignForm(request.POST or None, members=_members(booking.organisation_id))
    return _action(
        request,
        booking,
        form=form,
        run=lambda data: services.placeholder_assign(
            actor=request.user, booking=booking, contact=data["contact"]
        ),
        done=lambda place, data: f"{data['contact'].full_name} assigned to a place.",
        title="Assign delegate",
        submit="Assign",
        preview=False,  # no money moves: the place is already paid for
        consequence=(
            "The delegate takes one of the free places: they are booked on "
            f"{booking.schedule.code} and appear on its attendance register. They are sent "
            "a booking confirmation"
            + (" and the lead booker is told." if booking.lead_booker_id else ".")
        ),
    )


@require("manage_bookings")
@vary_on_headers("HX-Request")
def placeholder_unassign(request: HttpRequest, pk: int, place_pk: int) -> HttpResponse:
    booking = _placeholder_or_404(pk)
    place = get_object_or_404(
        BookingPlace.objects.select_related("contact"),
        pk=place_pk,
        booking=booking,
        state=PlaceState.BOOKED,
        contact__isnull=False,
    )
    form = OptionalReasonForm(posted(request))
    name = place.contact.full_name
    return _action(
        request,
        booking,
        form=form,
        run=lambda data: services.placeholder_unassign(
            actor=request.user, booking=booking, place_id=place.pk, reason=data["reason"]
        ),
        done=lambda result, data: f"{name} unassigned.",
        title=f"Unassign {name}",
        submit="Unassign",
        danger=True,
        preview=False,
        consequence=(
            f"{name} will be taken off the placeholder: no record of them will remain on the "
            f"placeholder or on {booking.schedule.code} (their attendance rows go; the booking's "
            "history keeps a note). The place becomes free again."
        ),
    )


@require("cancel_placeholders")
@vary_on_headers("HX-Request")
def placeholder_part_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _placeholder_or_404(pk)
    form = PlaceholderPartCancelForm(request.POST or None)
    return _action(
        request,
        booking,
        form=form,
        run=lambda data: services.placeholder_part_cancel(
            actor=request.user,
            booking=booking,
            places=data["places"],
            reason=data["reason"],
            credit_note=data["credit_note"],
            value=data["value"],
        ),
        done=lambda result, data: (
            f"{data['places']} place{'s' if data['places'] != 1 else ''} cancelled; "
            f"{result.places_bought} left."
        ),
        title="Part-cancel places",
        submit="Cancel places",
        danger=True,
        intro="placeholder_cancel",
    )


@require("cancel_placeholders")
@vary_on_headers("HX-Request")
def placeholder_cancel_all(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _placeholder_or_404(pk)
    form = PlaceholderCancelAllForm(request.POST or None)

    def done(outcome, data) -> str:
        text = f"All places of {booking.reference} cancelled."
        if outcome.unfunded:
            text += (
                f" Warning: {', '.join(outcome.unfunded)} stay Booked and now have no invoice "
                "behind them."
            )
        return text

    return _action(
        request,
        booking,
        form=form,
        run=lambda data: services.placeholder_cancel_all(
            actor=request.user, booking=booking, reason=data["reason"], charge_net=data["charge"]
        ),
        done=done,
        title="Cancel all places",
        submit="Cancel all places",
        danger=True,
        intro="placeholder_cancel",
    )


@require("transfer_delegates")
@vary_on_headers("HX-Request")
def placeholder_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Transfer placeholder": every place, assigned or free, to another schedule; only while
    the placeholder has no invoice (SPEC 5). Previewed: the page shows the history entry, the
    emails and any invoice the new schedule's price needs before confirm."""
    booking = _placeholder_or_404(pk)
    form = PlaceholderTransferForm(request.POST or None, current=booking.schedule)
    return action_view(
        request,
        form=form,
        run=lambda data: services.placeholder_transfer(
            actor=request.user, booking=booking, schedule=data["schedule"], reason=data["reason"]
        ),
        done=lambda result, data: (
            f"Placeholder {booking.reference} transferred to {data['schedule'].code}."
        ),
        title="Transfer placeholder",
        subject=booking.reference,
        back_url=reverse("bookings:detail", args=[booking.pk]),
        submit="Transfer",
        intro_template="bookings/_placeholder_transfer_intro.html",
        context={"booking": booking, "refusal": placeholder_invoice_refusal(booking)},
    )


def placeholder_summary(booking: Booking, places: list[BookingPlace]) -> dict | None:
    """What the booking page shows of a placeholder (from the places it has loaded)."""
    if booking.kind != BookingType.PLACEHOLDER:
        return None
    booked = [p for p in places if p.is_booked]
    assigned = [p for p in booked if p.contact_id]
    return {
        "bought": booking.places_bought,
        "assigned": assigned,
        "free": len(booked) - len(assigned),
        "unfunded": booking.places_bought == 0 and bool(assigned),
    }
