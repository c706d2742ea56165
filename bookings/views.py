"""Bookings pages. Thin: permission, form, call a service, render (full page or a fragment)."""

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from contacts.models import Contact
from core.access import has, require
from core.errors import DomainError
from core.forms import OptionalReasonForm
from core.web import action_view, form_add_domain_error, htmx_redirect, partial_template
from notifications.selectors import emails_about
from schedules.filters import When
from schedules.models import Schedule

from . import selectors, services
from .drafts import Draft
from .filters import BookingFilter
from .forms import (
    BookingEditForm,
    CancelBookingForm,
    CancelDelegatesForm,
    ContactBookingsSearch,
    DiscountForm,
    PaymentDetailsForm,
    StatusForm,
)
from .models import Booking, BookingStatus, BookingType, PlaceState
from .pricing import quote
from .states import CONFIRM_FIRST, TRANSITION_ACTIONS

PER_PAGE = 25


def _booking_or_404(pk: int) -> Booking:
    try:
        return selectors.booking_detail(pk)
    except Booking.DoesNotExist:
        raise Http404("No such booking") from None


# --- list ---------------------------------------------------------------------------------------


@require("view_bookings")
@vary_on_headers("HX-Request")
def booking_list(request: HttpRequest) -> HttpResponse:
    f = BookingFilter(request.GET or None, queryset=selectors.booking_list_queryset())
    qs = f.qs if f.is_bound else f.queryset
    if f.is_bound and not f.is_valid():
        qs = f.queryset.none()
    page = selectors.BookingPage(qs, request.GET.get("page"), order=f.ordering)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        partial_template(request, "bookings/list.html", "results"),
        {
            "filter": f,
            "page": page,
            "query": params.urlencode(),
            "by_schedule": f.ordering[0] == "schedule__start_at",
            "can_manage": has(request.user, "manage_bookings"),
        },
    )


# --- "Create a new booking" ----------------------------------------------------------------------


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


def _book(request: HttpRequest, draft: Draft, payment: PaymentDetailsForm) -> Booking | None:
    if not draft.kind:
        draft.errors.append("Choose the Booking Type.")
    elif not draft.people_ready:
        draft.errors.append(
            "Choose the student."
            if draft.kind == BookingType.INDIVIDUAL
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
            student=draft.student if draft.kind == BookingType.INDIVIDUAL else None,
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


# --- detail and actions ---------------------------------------------------------------------------


def _transitions_for(booking: Booking) -> list[tuple[str, str, str]]:
    """(status, button label, confirmation page or "" for a one-click change)."""
    now = timezone.now()
    return [
        (to, label, reverse(CONFIRM_FIRST[to], args=[booking.pk]) if to in CONFIRM_FIRST else "")
        for to, label in TRANSITION_ACTIONS.items()
        if not booking.transition_refusal(to, now)
    ]


@require("view_bookings")
@vary_on_headers("HX-Request")
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _booking_or_404(pk)
    can_manage = has(request.user, "manage_bookings")
    places = list(booking.places.all())
    return render(
        request,
        "bookings/detail.html",
        {
            "booking": booking,
            "places": places,
            "booked": [p for p in places if p.state == PlaceState.BOOKED],
            "invoices": selectors.booking_invoices(booking),
            "history": list(selectors.booking_history(booking)[:200]),
            "emails": list(emails_about(booking)[:100]),
            "can_manage": can_manage,
            "can_finance": has(request.user, "view_finance"),
            "transitions": _transitions_for(booking) if can_manage else [],
        },
    )


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
    form = OptionalReasonForm(request.POST if request.method == "POST" else None)
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


# One-click status changes; "Mark no-show" has its own confirmation page (booking_noshow).
TRANSITION_SERVICES = {
    BookingStatus.CONFIRMED: services.booking_confirm,
    BookingStatus.CONFIRMING: services.booking_mark_confirming,
    BookingStatus.WAITING: services.booking_mark_waiting,
    BookingStatus.COMPLETED: services.booking_complete,
}


@require("manage_bookings")
@require_POST
def booking_status(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(Booking, pk=pk)
    form = StatusForm(request.POST)
    service = TRANSITION_SERVICES.get(request.POST.get("to", ""))
    if service is None or not form.is_valid():
        messages.error(request, "That status change is not available.")
    else:
        try:
            booking = service(
                actor=request.user, booking=booking, reason=form.cleaned_data["reason"]
            )
        except DomainError as e:
            messages.error(request, e.message)
        else:
            messages.success(
                request,
                f"Booking {booking.reference} is now {booking.get_status_display().lower()}.",
            )
    return htmx_redirect(request, reverse("bookings:detail", args=[booking.pk]))


# --- pages other apps load: a contact's bookings, a schedule's register ------------------------


@require("view_bookings")
@vary_on_headers("HX-Request")
def contact_bookings(request: HttpRequest, contact_pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=contact_pk)
    search = ContactBookingsSearch(request.GET or None)
    code = search.cleaned_data["schedule"] if search.is_valid() else ""
    page = selectors.BookingPage(
        selectors.contact_bookings(contact, schedule_code=code),
        request.GET.get("page"),
        order=("-schedule__start_at", "-pk"),
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        partial_template(request, "bookings/contact_bookings.html", "contact-bookings"),
        {"contact": contact, "search": search, "page": page, "query": params.urlencode()},
    )


@require("view_bookings")
@vary_on_headers("HX-Request")
def schedule_register(request: HttpRequest, schedule_pk: int) -> HttpResponse:
    schedule = get_object_or_404(Schedule.objects.select_related("course", "venue"), pk=schedule_pk)
    return render(
        request,
        partial_template(request, "bookings/register.html", "register"),
        {
            "schedule": schedule,
            # one reverse() for every row's link
            "detail_base": reverse("bookings:list"),
            **selectors.schedule_register(schedule),
        },
    )
