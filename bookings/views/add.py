""" "Create a new booking" (seed 000): the form's HTMX steps and "Book"."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.vary import vary_on_headers

from core.access import require
from core.errors import DomainError
from core.web import form_add_domain_error, htmx_redirect, partial_template
from schedules.filters import When

from .. import services
from ..drafts import Draft
from ..forms import (
    PaymentDetailsForm,
)
from ..models import Booking, BookingType
from ..pricing import quote


def _schedule_page(draft: Draft, user):
    from schedules.selectors import schedule_picker_list

    return schedule_picker_list({"when": draft.when, "page": str(draft.schedule_page)}, user=user)


def _quote(draft: Draft, payment: PaymentDetailsForm):
    if not (draft.schedule and draft.people):
        return None
    kind, value = "", None
    if payment.is_bound and payment.is_valid():
        kind = payment.cleaned_data.get("discount_kind") or ""
        value = payment.cleaned_data.get("discount_value")
    try:
        return quote(
            unit_price=draft.schedule.price,
            vat_rate=draft.schedule.vat_rate,
            delegates=len(draft.people),
            discount_kind=kind,
            discount_value=value,
        )
    except DomainError as e:
        form_add_domain_error(payment, e)
        return quote(
            unit_price=draft.schedule.price,
            vat_rate=draft.schedule.vat_rate,
            delegates=len(draft.people),
        )


@require("manage_bookings")
@vary_on_headers("HX-Request")
def booking_add(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    draft = Draft(data)
    action = (request.POST.get("action") or "").strip()[:40] if request.method == "POST" else ""
    payment = PaymentDetailsForm(request.POST if "po_number" in request.POST else None)
    draft.apply(action)
    if action == "book":
        booking = _book(request, draft, payment)
        if booking is not None:
            if booking.replayed:
                messages.info(request, _already_made(booking))
            else:  # made now from exactly these choices
                messages.success(
                    request,
                    f"Booking {booking.reference} confirmed for "
                    f"{', '.join(p.full_name for p in draft.people)} on {draft.schedule.code}.",
                )
            return htmx_redirect(request, reverse("bookings:detail", args=[booking.pk]))
    context = {
        "draft": draft,
        "payment": payment,
        "quote": _quote(draft, payment),
        "schedule_when": When.CHOICES,
        "kinds": [
            (BookingType.INDIVIDUAL, BookingType.INDIVIDUAL.label),
            (BookingType.GROUP, BookingType.GROUP.label),
        ],  # fmt: skip
    }
    if draft.people_ready and not draft.schedule:
        context["schedules"] = _schedule_page(draft, request.user)
    return render(request, partial_template(request, "bookings/add.html", "booking-form"), context)


def _already_made(booking: Booking) -> str:
    """The form was submitted again with the same choices: say what the earlier submit
    booked, read from that booking (never from this post)."""
    people = [p.contact.full_name for p in booking.places.select_related("contact").order_by("pk")]
    return (
        f"This was already done: booking {booking.reference} for {', '.join(people)} on "
        f"{booking.schedule.code} was made by the first submit of this form. "
        "Nothing was booked a second time."
    )


def _book(request: HttpRequest, draft: Draft, payment: PaymentDetailsForm) -> Booking | None:
    if not draft.kind:
        draft.errors.append("Choose the Booking Type.")
    elif not draft.people_ready:
        draft.errors.append(
            "Choose the student."
            if draft.is_individual
            else "Choose the organisation, the lead booker and at least one delegate."
        )
    elif draft.schedule is None:
        draft.errors.append("Select a schedule.")
    if draft.errors or not payment.is_valid():
        return None
    try:
        return services.booking_create(
            actor=request.user,
            kind=draft.kind,
            schedule=draft.schedule,
            student=draft.student if draft.is_individual else None,
            organisation=draft.organisation,
            lead_booker=draft.lead_booker,
            delegates=draft.delegates,
            po_number=payment.cleaned_data["po_number"],
            discount_kind=payment.cleaned_data["discount_kind"],
            discount_value=payment.cleaned_data["discount_value"],
            discount_reason=payment.cleaned_data["discount_reason"],
            idempotency_key=draft.token,
        )
    except DomainError as e:
        if e.field in payment.fields:
            payment.add_error(e.field, e.message)
        else:
            draft.errors.append(e.message)
        if draft.schedule is not None:
            draft.schedule.refresh_from_db()
            if draft.schedule.is_full:  # someone took the last place: pick another schedule
                draft.schedule = None
        return None
