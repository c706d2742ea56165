"""Punch passes (seed 002, way 3): "Add punch pass" from a family or contact page, and
"Redeem": the redeemable timeslots of a pass -> choose one -> confirm -> a one-time booking.

The passes panel of the family and contact pages is the template tag
`appointments.templatetags.passes_panel`."""

import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.formats import date_format
from django.views.decorators.vary import vary_on_headers

from contacts.models import Contact, Family
from core.access import require
from core.paging import QuickPage
from core.web import action_view, partial_template, posted

from .. import services
from ..forms.passes import PunchPassAddForm, PunchPassAdjustForm, RedeemForm, RedeemSearchForm
from ..models import AppointmentBooking, Occurrence, Pack
from ..recurrence import local_today
from ..selectors.passes import (
    REDEEM_DAYS,
    pass_detail,
    pass_students,
    redeemable_occurrences,
)

PER_PAGE = 20


def holder_url(pack: Pack) -> str:
    if pack.contact_id:
        return reverse("contacts:detail", args=[pack.contact_id])
    return reverse("contacts:family_detail", args=[pack.family_id])


def booking_url(booking: AppointmentBooking, fallback: str) -> str:
    """The booking's page once the booking pages exist, else `fallback` (the holder's page)."""
    try:
        return reverse("appointments:booking", args=[booking.pk])
    except NoReverseMatch:
        return fallback


def _pass_or_404(pk: int) -> Pack:
    try:
        return pass_detail(pk)
    except Pack.DoesNotExist:
        raise Http404("No such punch pass") from None


# --- Add punch pass ----------------------------------------------------------------------------


def _add(request: HttpRequest, *, family: Family | None, contact: Contact | None) -> HttpResponse:
    holder = family or contact
    back = (
        reverse("contacts:family_detail", args=[family.pk])
        if family
        else reverse("contacts:detail", args=[contact.pk])
    )
    form = PunchPassAddForm(posted(request), initial={"valid_from": local_today()})
    return action_view(
        request,
        form=form,
        run=lambda data: services.punch_pass_add(
            actor=request.user,
            family=family,
            contact=contact,
            size=data["size"],
            appointment_type=data["appointment_type"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            price=data["price"],
            notes=data["notes"],
        ),
        done=lambda pack, data: f"Punch pass {pack.reference} added: {pack.size} punches.",
        title="Add punch pass",
        subject=str(holder.full_name if contact else holder.name),
        back_url=back,
        submit="Add punch pass",
        # A sold pass issues an invoice: previewed, like every money change (a free one
        # previews its history entry only).
        preview=True,
    )


@require("manage_appointments")
@vary_on_headers("HX-Request")
def pass_add_family(request: HttpRequest, family_pk: int) -> HttpResponse:
    return _add(request, family=get_object_or_404(Family, pk=family_pk), contact=None)


@require("manage_appointments")
@vary_on_headers("HX-Request")
def pass_add_contact(request: HttpRequest, contact_pk: int) -> HttpResponse:
    return _add(request, family=None, contact=get_object_or_404(Contact, pk=contact_pk))


# --- Redeem ------------------------------------------------------------------------------------


@require("manage_appointments")
@vary_on_headers("HX-Request")
def pass_redeem(request: HttpRequest, pk: int) -> HttpResponse:
    """The timeslots with openings this pass can be redeemed for, 2 weeks from a chosen date
    (today by default), and the student to book (one selected automatically)."""
    pack = _pass_or_404(pk)
    students = pass_students(pack)
    today = local_today()
    search = RedeemSearchForm(request.GET or None, students=students, initial={"date": today})
    data = search.cleaned_data if search.is_bound and search.is_valid() else {}
    start = data.get("date") or today
    student_list = list(students[:200])
    student = data.get("student") or (student_list[0] if student_list else None)
    page = QuickPage(redeemable_occurrences(pack, start=start), request.GET.get("page"), PER_PAGE)
    refusal = None
    if pack.remaining <= 0:
        refusal = f"No punches left on {pack.reference}."
    elif pack.valid_until is not None and pack.valid_until < today:
        refusal = f"{pack.reference} expired on {pack.valid_until:%a %d %b %Y}."
    query = {"date": start.isoformat()}
    if student is not None:
        query["student"] = str(student.pk)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        partial_template(request, "appointments/pass_redeem.html", "redeem-results"),
        {
            "pack": pack,
            "search": search,
            "page": page,
            "start": start,
            "end": start + datetime.timedelta(days=REDEEM_DAYS - 1),
            "student": student,
            "has_students": bool(student_list),
            "refusal": refusal,
            "select_query": "&".join(f"{k}={v}" for k, v in query.items()),
            "query": params.urlencode(),
            "back_url": holder_url(pack),
            "earlier": (start - datetime.timedelta(days=REDEEM_DAYS)).isoformat(),
            "later": (start + datetime.timedelta(days=REDEEM_DAYS)).isoformat(),
        },
    )


@require("manage_appointments")
@vary_on_headers("HX-Request")
def pass_redeem_confirm(request: HttpRequest, pk: int, occurrence_pk: int) -> HttpResponse:
    """Confirm one timeslot: "Redeem" books the student there, one time, using one punch."""
    pack = _pass_or_404(pk)
    occurrence = get_object_or_404(
        Occurrence.objects.select_related(
            "timeslot", "timeslot__appointment_type", "timeslot__staff"
        ),
        pk=occurrence_pk,
    )
    students = pass_students(pack)
    chosen = request.GET.get("student")
    initial = {"student": chosen} if chosen and chosen.isdigit() and len(chosen) < 19 else {}
    if not initial:
        only = list(students[:2])
        if len(only) == 1:
            initial = {"student": only[0].pk}
    form = RedeemForm(posted(request), students=students, initial=initial)
    back = holder_url(pack)
    list_url = reverse("appointments:pass_redeem", args=[pack.pk])
    return action_view(
        request,
        form=form,
        run=lambda data: services.punch_pass_redeem(
            actor=request.user,
            pack=pack,
            occurrence=occurrence,
            student=data["student"],
            send_email=bool(data.get("send_email")),
        ),
        done=lambda booking, data: (
            f"Booked {data['student'].full_name} on "
            f"{date_format(occurrence.local_start, 'D j M Y H:i')} ({booking.reference}) with a "
            f"punch of {pack.reference}."
        ),
        title="Redeem",
        subject=pack.reference,
        back_url=list_url,
        success_url=lambda booking: booking_url(booking, back),
        submit="Redeem",
        preview=False,  # no money moves: one punch is used, named on the form
        consequence=(
            f"Uses 1 punch of {pack.reference}: {max(pack.remaining - 1, 0)} of {pack.size} "
            "left after."
        ),
        intro_template="appointments/_redeem_intro.html",
        context={
            "pack": pack,
            "occurrence": occurrence,
            "refusal": services.redeem_refusal(pack, occurrence),
        },
    )


# --- Change a pass -----------------------------------------------------------------------------


@require("manage_appointments")
@vary_on_headers("HX-Request")
def pass_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    pack = _pass_or_404(pk)
    form = PunchPassAdjustForm(
        posted(request), initial={"size": pack.size, "valid_until": pack.valid_until}
    )
    return action_view(
        request,
        form=form,
        run=lambda data: services.punch_pass_adjust(
            actor=request.user,
            pack=pack,
            size=data["size"],
            valid_until=data["valid_until"],
            reason=data["reason"],
        ),
        done=lambda result, data: f"Punch pass {pack.reference} changed.",
        title="Change punch pass",
        subject=pack.reference,
        back_url=holder_url(pack),
        submit="Save",
        preview=False,
        consequence=f"{pack.used} of {pack.size} punches are used: the size cannot go below that.",
    )


urlpatterns = [
    path("passes/new/family/<int:family_pk>/", pass_add_family, name="pass_add_family"),
    path("passes/new/contact/<int:contact_pk>/", pass_add_contact, name="pass_add_contact"),
    path("passes/<int:pk>/redeem/", pass_redeem, name="pass_redeem"),
    path(
        "passes/<int:pk>/redeem/<int:occurrence_pk>/",
        pass_redeem_confirm,
        name="pass_redeem_confirm",
    ),
    path("passes/<int:pk>/change/", pass_adjust, name="pass_adjust"),
]
