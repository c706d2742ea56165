"""The backdating pages (seed 001): "Unused Sessions", "All Sessions for HW000123", the
booking calendar ("Show Available Timeslots", "Confirm Booking Times") and "Confirm
Attendance". Thin: the rules are asked of `rules` and enforced again by the services."""

import contextlib

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.vary import vary_on_headers

from appointments.models import Occurrence
from core.access import require
from core.errors import DomainError
from core.paging import QuickPage
from core.web import action_view, partial_template, submit_once

from . import rules, selectors, services
from .forms import AttendanceForm, CalendarForm, UnusedSearch
from .models import OrderSession

PER_PAGE = 25


@require("view_unused_sessions")
@vary_on_headers("HX-Request")
def unused_sessions(request: HttpRequest) -> HttpResponse:
    search = UnusedSearch(request.GET or None)
    text = search.cleaned_data["q"] if search.is_valid() else ""
    page = QuickPage(selectors.unused_orders(text), request.GET.get("page"), PER_PAGE)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        partial_template(request, "sessions_backdate/unused.html", "results"),
        {
            "search": search,
            "page": page,
            "query": params.urlencode(),
            # one reverse() for every row's link ("/sessions/orders/" + pk + "/")
            "order_base": reverse("sessions_backdate:order", args=[1]).rsplit("1/", 1)[0],
        },
    )


def _order(pk: int):
    pack = selectors.order_for_page(pk)
    if pack is None:
        raise Http404
    return pack


@require("view_unused_sessions")
def order_sessions(request: HttpRequest, pk: int) -> HttpResponse:
    pack = _order(pk)
    return render(
        request,
        "sessions_backdate/order.html",
        {
            "order": pack,
            "attendees": services.order_attendees(pack),
            "rows": selectors.order_sessions(pack),
            "can_book": rules.may_backdate(request.user),
            # a provider changes only sessions in their own timeslots
            "only_own": rules.consultant_ids(request.user) is not None,
            "history": selectors.order_history(pack),
        },
    )


@require("view_unused_sessions")
@vary_on_headers("HX-Request")
def book_session(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The booking calendar. GET with Consultant and Dates: "Show Available Timeslots" (the
    timeslots partial for HTMX); POST: "Confirm Booking Times"."""
    if not rules.may_backdate(request.user):
        raise PermissionDenied
    pack = _order(pk)
    if not 1 <= number <= pack.size:
        raise Http404
    back = reverse("sessions_backdate:order", args=[pack.pk])
    taken = OrderSession.objects.filter(pack=pack, number=number).first()
    consultants = selectors.consultants(request.user)
    weeks = selectors.weeks(request.user)
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = CalendarForm(data, consultants=consultants, weeks=weeks)
    slots = None
    if form.is_bound and form.is_valid() and taken is None:
        slots = selectors.available_occurrences(
            request.user,
            pack=pack,
            consultant_id=form.cleaned_data["consultant"],
            week=form.cleaned_data["week"],
        )
    # A post for a session booked meanwhile still goes to the service: the same form sent
    # again is answered "already done" (core.onetime), another one refused.
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data.get("occurrence")
        occurrence = {o.pk: o for o in slots or []}.get(chosen)
        if occurrence is None and chosen:
            # Not offered (another consultant's timeslot, a crafted post): the service
            # decides, and refuses what the actor may not book.
            occurrence = Occurrence.objects.filter(pk=chosen).first()
        if occurrence is None:
            form.add_error("occurrence", "Select one of the available timeslots.")
        else:
            response = submit_once(
                request,
                form,
                title="Confirm Booking Times",
                run=lambda: services.session_book(
                    actor=request.user, pack=pack, number=number, occurrence=occurrence
                ),
                url=lambda session: reverse("sessions_backdate:attendance", args=[session.pk]),
                done=lambda session: (
                    f"Session {session.number} of {pack.reference} booked. Confirm attendance."
                ),
            )
            if response is not None:
                return response
    return render(
        request,
        partial_template(request, "sessions_backdate/book.html", "timeslots"),
        {
            "order": pack,
            "number": number,
            "taken": taken,
            "form": form,
            "selects": [
                (form[name], str(form[name].value() or "")) for name in ("consultant", "week")
            ],
            "slots": slots,
            "attendees": services.order_attendees(pack),
            "back_url": back,
        },
    )


@require("view_unused_sessions")
def confirm_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    if not rules.may_backdate(request.user):
        raise PermissionDenied
    session = (
        OrderSession.objects.select_related(
            "pack",
            "pack__contact",
            "occurrence",
            "occurrence__timeslot",
            "occurrence__timeslot__staff",
            "occurrence__timeslot__appointment_type",
            "booked_by",
        )
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404
    # Another consultant's session: 403. A team leader outside their two months still sees
    # the session; the post says why it cannot change.
    with contextlib.suppress(DomainError):
        rules.check_occurrence(request.user, session.occurrence)
    pack = session.pack
    back = reverse("sessions_backdate:order", args=[pack.pk])
    can_cancel = rules.may_cancel(request.user)
    form = AttendanceForm(
        request.POST if request.method == "POST" else None,
        can_cancel=can_cancel,
        initial={"attendance": session.attendance},
    )
    return action_view(
        request,
        form=form,
        run=lambda data: services.session_mark(
            actor=request.user,
            session=session,
            attendance=data["attendance"],
            penalty=AttendanceForm.penalty_of(data),
            reason=data.get("reason", ""),
        ),
        done=lambda result, data: (
            f"Session {session.number} of {pack.reference}: {result.status_label}."
            if result is not None
            else f"Session {session.number} of {pack.reference} is Unallocated again."
        ),
        title="Confirm Attendance",
        subject=f"{pack.reference} session {session.number}",
        back_url=back,
        submit="Confirm Booking Times",
        preview=False,
        intro_template="sessions_backdate/_attendance_intro.html",
        context={
            "session": session,
            "order": pack,
            "attendees": services.order_attendees(pack),
            "final": session.is_final,
        },
    )
