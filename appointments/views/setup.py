"""The setup pages: "Appointment types", "Pricing schedules" (Admins) and "Timeslots" (everyone
who sees appointments; Admins add, edit and delete any, Providers edit and delete their own).

The services check the same rules again (`may_edit_timeslot`): a direct POST by someone else
is refused there too."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone

from core.access import has, require
from core.forms import OptionalReasonForm
from core.paging import QuickPage
from core.web import action_view, posted, submit_once

from .. import services
from ..forms.setup import AppointmentTypeForm, PricingScheduleForm, TimeslotForm
from ..models import AppointmentType, PricingSchedule, Seat, Timeslot
from ..states import SeatState

# --- appointment types ------------------------------------------------------------------------


@require("manage_timeslots")
def type_list(request: HttpRequest) -> HttpResponse:
    types = AppointmentType.objects.select_related("pricing_schedule").annotate(
        timeslot_count=Count("timeslots", filter=Q(timeslots__archived=False))
    )
    return render(
        request,
        "appointments/setup_types.html",
        {"types": types.order_by("-active", "name"), "tab": "types"},
    )


@require("manage_timeslots")
def type_create(request: HttpRequest) -> HttpResponse:
    return _type_form(request, None)


@require("manage_timeslots")
def type_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rows = AppointmentType.objects.select_related("pricing_schedule")
    return _type_form(request, get_object_or_404(rows, pk=pk))


def _type_form(request: HttpRequest, current: AppointmentType | None) -> HttpResponse:
    form = AppointmentTypeForm(
        request.POST or None, initial=AppointmentTypeForm.initial_for(current), current=current
    )
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title="New appointment type" if current is None else f"Edit {current.name}",
            run=lambda: (
                services.appointment_type_create(actor=request.user, **form.cleaned_data)
                if current is None
                else services.appointment_type_update(
                    actor=request.user, appointment_type=current, **form.cleaned_data
                )
            ),
            url=reverse("appointments:setup_types"),
            done=lambda saved: (
                f"Appointment type {saved.name} added."
                if current is None
                else f"Appointment type {saved.name} saved."
            ),
        )
    ):
        return response
    return render(
        request,
        "appointments/setup_type_form.html",
        {"form": form, "current": current, "tab": "types"},
    )


@require("manage_timeslots")
def type_archive(request: HttpRequest, pk: int) -> HttpResponse:
    current = get_object_or_404(AppointmentType, pk=pk, active=True)
    return action_view(
        request,
        form=OptionalReasonForm(posted(request)),
        run=lambda data: services.appointment_type_archive(
            actor=request.user, appointment_type=current
        ),
        done=lambda saved, data: f"Appointment type {saved.name} archived.",
        title=f"Archive {current.name}",
        subject=current.name,
        back_url=reverse("appointments:setup_types"),
        submit="Archive",
        preview=False,
        danger=True,
        consequence=(
            "No new timeslots of this type can be added. Its timeslots and their bookings "
            "carry on: archive or delete them on the Timeslots page."
        ),
    )


# --- pricing schedules ------------------------------------------------------------------------


def _offered_pricing():
    return PricingSchedule.objects.filter(for_booking=False)


@require("manage_timeslots")
def pricing_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "appointments/setup_pricing.html",
        {"schedules": _offered_pricing().order_by("-active", "name", "pk"), "tab": "pricing"},
    )


@require("manage_timeslots")
def pricing_create(request: HttpRequest) -> HttpResponse:
    return _pricing_form(request, None)


@require("manage_timeslots")
def pricing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _pricing_form(request, get_object_or_404(_offered_pricing(), pk=pk))


def _pricing_form(request: HttpRequest, current: PricingSchedule | None) -> HttpResponse:
    initial = PricingScheduleForm.initial_for(current)
    form = PricingScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title="New pricing schedule" if current is None else f"Edit {current.name}",
            run=lambda: (
                services.pricing_schedule_create(actor=request.user, **form.service_kwargs())
                if current is None
                else services.pricing_schedule_update(
                    actor=request.user, pricing_schedule=current, **form.service_kwargs()
                )
            ),
            url=reverse("appointments:setup_pricing"),
            done=lambda saved: (
                f"Pricing schedule {saved.name} " + ("added." if current is None else "saved.")
            ),
        )
    ):
        return response
    return render(
        request,
        "appointments/setup_pricing_form.html",
        {"form": form, "current": current, "tab": "pricing"},
    )


@require("manage_timeslots")
def pricing_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate an active schedule, or reactivate an inactive one (one page each way)."""
    current = get_object_or_404(_offered_pricing(), pk=pk)
    to = not current.active
    verb = "Reactivate" if to else "Deactivate"
    return action_view(
        request,
        form=OptionalReasonForm(posted(request)),
        run=lambda data: services.pricing_schedule_set_active(
            actor=request.user, pricing_schedule=current, active=to
        ),
        done=lambda saved, data: f"Pricing schedule {saved.name} {verb.lower()}d.",
        title=f"{verb} {current.name}",
        subject=current.name,
        back_url=reverse("appointments:setup_pricing"),
        submit=verb,
        preview=False,
        danger=not to,
        consequence=(
            "It is offered again for appointment types, timeslots and bookings."
            if to
            else "It is no longer offered for new bookings, timeslots or appointment types. "
            "Bookings, timeslots and types already on it keep it."
        ),
    )


# --- timeslots --------------------------------------------------------------------------------


@require("view_appointments")
def timeslot_list(request: HttpRequest) -> HttpResponse:
    """Admins (and other office roles) see every timeslot; a Provider sees their own."""
    can_manage = has(request.user, "manage_timeslots")
    own_only = not can_manage and has(request.user, "edit_own_timeslots")
    rows = Timeslot.objects.filter(archived=False).select_related(
        "staff", "appointment_type", "pricing_schedule", "appointment_type__pricing_schedule"
    )
    if own_only:
        rows = rows.filter(staff=request.user)
    page = QuickPage(
        rows.order_by("staff__first_name", "staff__last_name", "start_time", "pk"),
        request.GET.get("page"),
        per_page=50,
    )
    for ts in page:
        ts.editable = can_manage or (own_only and ts.staff_id == request.user.pk)
    return render(
        request,
        "appointments/setup_timeslots.html",
        {
            "page": page,
            "can_manage": can_manage,
            "own_only": own_only,
            "tab": "timeslots",
        },
    )


@require("manage_timeslots")
def timeslot_create(request: HttpRequest) -> HttpResponse:
    form = TimeslotForm(request.POST or None, initial=TimeslotForm.initial_for(None))
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title="Add timeslot",
            run=lambda: services.timeslot_create(actor=request.user, **form.create_kwargs()),
            url=reverse("appointments:setup_timeslots"),
            done=lambda ts: f"Timeslot added: {ts}.",
        )
    ):
        return response
    return render(
        request,
        "appointments/setup_timeslot_form.html",
        {"form": form, "current": None, "tab": "timeslots"},
    )


def _editable_timeslot(request: HttpRequest, pk: int) -> Timeslot:
    timeslot = get_object_or_404(
        Timeslot.objects.select_related("staff", "appointment_type", "pricing_schedule"), pk=pk
    )
    if not services.may_edit_timeslot(request.user, timeslot):
        raise PermissionDenied
    if timeslot.archived:
        raise Http404("This timeslot has been archived.")
    return timeslot


@require("view_appointments")
def timeslot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    current = _editable_timeslot(request, pk)
    form = TimeslotForm(
        request.POST or None,
        initial=TimeslotForm.initial_for(current),
        timeslot=current,
        choose_staff=has(request.user, "manage_timeslots"),
    )
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title=f"Edit timeslot {current}",
            run=lambda: services.timeslot_update(
                actor=request.user, timeslot=current, **form.update_kwargs()
            ),
            url=reverse("appointments:setup_timeslots"),
            done=lambda change: f"Timeslot saved. {change.summary}",
        )
    ):
        return response
    return render(
        request,
        "appointments/setup_timeslot_form.html",
        {"form": form, "current": current, "tab": "timeslots"},
    )


def _delete_consequence(timeslot: Timeslot) -> str:
    booked = Seat.objects.filter(
        occurrence__timeslot=timeslot,
        occurrence__starts_at__gt=timezone.now(),
        state=SeatState.BOOKED,
    ).count()
    if booked:
        return (
            f"{booked} seat{'s are' if booked != 1 else ' is'} booked on future dates of this "
            "timeslot: it cannot be deleted until they are cancelled."
        )
    if timeslot.bookings.exists():
        return (
            "This timeslot has been booked before, so it is archived rather than deleted: its "
            "past dates and their bookings stay in the history; its future dates are removed "
            "and nothing more can be booked into it."
        )
    return "Nobody has ever booked this timeslot: it is deleted with all its dates."


@require("view_appointments")
def timeslot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    current = _editable_timeslot(request, pk)
    return action_view(
        request,
        form=OptionalReasonForm(posted(request)),
        run=lambda data: services.timeslot_delete(
            actor=request.user, timeslot=current, reason=data["reason"]
        ),
        done=lambda removal, data: (
            f"Timeslot archived: {removal.description}. Its past dates stay in the history."
            if removal.archived
            else f"Timeslot deleted: {removal.description}."
        ),
        title=f"Delete timeslot {current}",
        subject=str(current),
        back_url=reverse("appointments:setup_timeslots"),
        submit="Delete timeslot",
        preview=False,
        danger=True,
        consequence=_delete_consequence(current),
    )


urlpatterns = [
    path("setup/types/", type_list, name="setup_types"),
    path("setup/types/new/", type_create, name="setup_type_create"),
    path("setup/types/<int:pk>/edit/", type_edit, name="setup_type_edit"),
    path("setup/types/<int:pk>/archive/", type_archive, name="setup_type_archive"),
    path("setup/pricing/", pricing_list, name="setup_pricing"),
    path("setup/pricing/new/", pricing_create, name="setup_pricing_create"),
    path("setup/pricing/<int:pk>/edit/", pricing_edit, name="setup_pricing_edit"),
    path("setup/pricing/<int:pk>/active/", pricing_active, name="setup_pricing_active"),
    path("setup/timeslots/", timeslot_list, name="setup_timeslots"),
    path("setup/timeslots/new/", timeslot_create, name="setup_timeslot_create"),
    path("setup/timeslots/<int:pk>/edit/", timeslot_edit, name="setup_timeslot_edit"),
    path("setup/timeslots/<int:pk>/delete/", timeslot_delete, name="setup_timeslot_delete"),
]
