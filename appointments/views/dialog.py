"""Booking an appointment from the office (seed 002, ways 1 and 2).

Way 1: a family's or student's Enrollments -> "New appointment booking" -> "Create
Appointment Booking" (`new`): which student (a family with several), a date (today by
default) and the timeslots with openings that day and the rest of its week, "Select" each.
Way 2: the Appointments page -> "Book" on an occurrence. Both lead to the booking details
(`book`): the student (way 2: "Select Student" or "Create a New Student"), SCHEDULE, OTHER,
then "Save", "Save & Charge" or "Close". Nothing is kept on the server between the steps:
each reads its state from the query string or the form.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.views.decorators.vary import vary_on_headers

from contacts.models import Contact, Family
from contacts.services import contact_create
from core.access import require
from core.errors import DomainError
from core.paging import QuickPage
from core.web import int_or_none, partial_template, posted, submit_once

from ..emails import booking_email_offered
from ..forms.booking import BookingDetailsForm, DialogDateForm
from ..models import AppointmentBooking, Occurrence, Timeslot
from ..recurrence import local_today, window_end
from ..selectors import occurrences_in_range, timeslots_for_booking
from ..selectors import page as page_selectors
from ..services import appointment_book, booking_schedule
from ..services.pricing import PricingSpec, appointment_book_new_pricing
from ..states import BookingFrequency
from ._common import day_or_today

# The dialog lists the openings of a date and the rest of its week in pages of this many.
PER_PAGE = 50


def _who(request: HttpRequest) -> tuple[Family | None, Contact | None]:
    """The family and student named by the query string (or the form), each checked."""
    source = request.POST if request.method == "POST" else request.GET
    family = student = None
    if family_id := int_or_none(source.get("family")):
        family = Family.objects.filter(pk=family_id).first()
        if family is None:
            raise Http404("No such family")
    if student_id := int_or_none(source.get("student")):
        student = Contact.objects.select_related("family").filter(pk=student_id).first()
        if student is None or (family is not None and student.family_id != family.pk):
            raise Http404("No such student")
    return family, student


def _back_url(family: Family | None, student: Contact | None) -> str:
    if family is not None:
        return reverse("contacts:family_detail", args=[family.pk])
    if student is not None:
        return reverse("contacts:detail", args=[student.pk])
    return reverse("appointments:page")


@require("manage_appointments")
@vary_on_headers("HX-Request")
def appointment_new(request: HttpRequest) -> HttpResponse:
    """ "Create Appointment Booking": the student, then the openings of a date and its week."""
    family, student = _who(request)
    if family is None and student is None:
        # Way 1 starts from a family's or student's Enrollments: say so (a bookmark, a link).
        return render(request, "appointments/new.html", {"back_url": reverse("contacts:list")})
    students = list(family.students.order_by("first_name", "last_name", "pk")) if family else []
    if student is None and len(students) == 1:
        student = students[0]
    today = local_today()
    query = request.GET.copy()
    query.setdefault("date", today.isoformat())  # seed 002: defaults to the current date
    form = DialogDateForm(query)
    form.is_valid()
    day = form.cleaned_data.get("date") or today
    week_end = day + datetime.timedelta(days=6 - day.weekday())
    openings = QuickPage(Occurrence.objects.none(), 1, PER_PAGE)
    if student is not None:
        found = page_selectors.open_occurrences(start=day, end=week_end)
        openings = QuickPage(found, request.GET.get("page"), PER_PAGE)
        names: dict[int, str] = {}
        for o in openings:
            slot = o.timeslot
            o.time_label = f"{slot.start_time:%H:%M}–{slot.end_time:%H:%M}"
            o.staff_label = names.setdefault(slot.staff_id, slot.staff_name)
    keep = {"family": family.pk if family else "", "student": student.pk if student else ""}
    context = {
        "form": form,
        "family": family,
        "student": student,
        "students": students,
        "day": day,
        "week_end": week_end,
        "openings": openings,
        "page_query": urlencode({**{k: v for k, v in keep.items() if v}, "date": day}),
        "keep": {k: v for k, v in keep.items() if v},
        "select_query": urlencode({k: v for k, v in keep.items() if v}),
        "back_url": _back_url(family, student),
    }
    return render(request, partial_template(request, "appointments/new.html", "openings"), context)


def charge_url(booking: AppointmentBooking) -> str:
    """Where "Save & Charge" goes: the "New Charge" page prefilled for this booking."""
    return reverse("appointments:charge", args=[booking.pk])


def _date_selection(timeslot: Timeslot, data, today: datetime.date) -> dict:
    """The dates offered for the schedule fields in `data` (a form's data or the query
    string): the timeslot's occurrences in the range, at most 13 months ahead, each with
    whether it has an opening; or why there are none."""
    start = _iso(data.get("start_date")) or today
    end = _iso(data.get("end_date"))
    frequency = data.get("frequency") or BookingFrequency.RECURRING
    weekdays = [
        int(d) for d in data.getlist("weekdays") if d in {"0", "1", "2", "3", "4", "5", "6"}
    ]
    try:
        start, end, days = booking_schedule(
            timeslot, frequency=frequency, start_date=start, end_date=end, weekdays=weekdays
        )
    except DomainError as error:
        return {"problem": error.message, "dates": []}
    rows = occurrences_in_range(timeslot, start=start, end=end, weekdays=days or None, today=today)
    last = window_end(today)
    return {
        "problem": "",
        "dates": [
            {
                "date": o.date,
                "value": o.date.isoformat(),
                "left": o.places_left,
                "full": o.places_left < 1,
            }
            for o in rows
        ],
        "capped": end is None or end > last,
        "window_end": last,
    }


def _iso(value) -> datetime.date | None:
    try:
        day = datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None
    return day if datetime.date(1900, 1, 1) <= day <= datetime.date(2999, 12, 31) else None


@require("manage_appointments")
@vary_on_headers("HX-Request")
def appointment_book_view(request: HttpRequest, timeslot_pk: int) -> HttpResponse:
    """The booking details after "Select" (way 1) or "Book" (way 2)."""
    timeslot = get_object_or_404(timeslots_for_booking(), pk=timeslot_pk)
    family, student = _who(request)
    today = local_today(timeslot.time_zone)
    day = day_or_today(request.GET.get("date"))
    initial = {
        "frequency": (
            BookingFrequency.NON_RECURRING if timeslot.is_one_time else BookingFrequency.RECURRING
        ),
        "start_date": timeslot.start_date if timeslot.is_one_time else max(day, today),
        "student_mode": BookingDetailsForm.STUDENT_EXISTING,
        "new_vat_rate": "20",
    }
    # Way 2 chooses the student on this form: the box is shown while sending is enabled, and
    # the service sends only when that student's family has a valid address.
    offered = (
        booking_email_offered(student)
        if student is not None
        else settings.APPOINTMENT_EMAILS_ENABLED
    )
    data = posted(request)
    action = request.POST.get("action", "save")
    # "Show Available Dates" (without JavaScript: a post that books nothing) and the HTMX
    # refresh (a GET of the SCHEDULE fields) show the form again from what was entered.
    shown = None
    if data is None and "frequency" in request.GET:
        shown = request.GET
    elif data is not None and action == "dates":
        shown = data
    kwargs = {"timeslot": timeslot, "fixed_student": student, "email_offered": offered}
    if shown is not None:
        fields = BookingDetailsForm.base_fields
        entered = {name: shown.get(name) for name in fields if name in shown}
        entered["weekdays"] = shown.getlist("weekdays")
        form = BookingDetailsForm(initial={**initial, **entered}, **kwargs)
    else:
        form = BookingDetailsForm(data, initial=initial, **kwargs)
    if data is not None and shown is None:
        response = submit_once(
            request,
            form,
            title=f"Book {timeslot.appointment_type.name} with {timeslot.staff_name}",
            run=lambda: _book(request.user, form.cleaned_data, timeslot, student),
            url=lambda booking: (
                charge_url(booking)
                if action == "charge"
                else reverse("appointments:booking", args=[booking.pk])
            ),
            done=lambda booking: (
                f"Appointment booking {booking.reference} saved for "
                f"{booking.student.first_name} {booking.student.last_name}."
            ),
        )
        if response is not None:
            return response
    source = shown if shown is not None else data
    if source is None or "frequency" not in source:
        source = QueryDict(mutable=True)
        source.update({k: str(v) for k, v in initial.items()})
    selection = _date_selection(timeslot, source, today)
    if data is not None and shown is None:
        ticked = set(data.getlist("dates"))
    else:
        ticked = {d["value"] for d in selection["dates"] if not d["full"]}
    picked = None
    if student is None and (chosen := int_or_none((shown or data or {}).get("select_student"))):
        picked = Contact.objects.filter(pk=chosen).first()
    context = {
        "timeslot": timeslot,
        "form": form,
        "family": family,
        "student": student,
        "selection": selection,
        "ticked": ticked,
        "back_url": _back_url(family, student)
        if (family or student)
        else (reverse("appointments:page") + "?" + urlencode({"date": day.isoformat()})),
        "title": "Create Appointment Booking" if student else "Book Appointment",
        "day": day,
        "picked": picked,
        "picked_label": f"{picked.first_name} {picked.last_name}" if picked else "",
    }
    return render(
        request, partial_template(request, "appointments/book.html", "date-selection"), context
    )


def _book(actor, data: dict, timeslot: Timeslot, student: Contact | None) -> AppointmentBooking:
    """Run in the form's one transaction (core.onetime): a new student, a new pricing
    schedule and the booking are written together or not at all."""
    if student is None:
        if data.get("student_mode") == BookingDetailsForm.STUDENT_NEW:
            student = contact_create(
                actor=actor,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data.get("email") or "",
                mobile=data.get("mobile") or "",
                family=data.get("family"),
            )
        else:
            student = data["select_student"]
    schedule = {
        "student": student,
        "timeslot": timeslot,
        "frequency": data["frequency"],
        "start_date": data["start_date"],
        "end_date": data.get("end_date"),
        "weekdays": data.get("weekdays") or (),
        "dates": data.get("dates") or None,
        "notes": data.get("notes") or "",
        "send_email": bool(data.get("send_email")),
    }
    if data.get("new_pricing"):
        spec = PricingSpec(
            name=data["new_name"],
            basis=data["new_basis"],
            amount=data["new_amount"],
            vat_rate=(data["new_vat_rate"] / 100).quantize(Decimal("0.0001")),
            lessons=data.get("new_lessons"),
        )
        return appointment_book_new_pricing(actor=actor, spec=spec, **schedule)
    return appointment_book(actor=actor, pricing_schedule=data.get("pricing_schedule"), **schedule)


urlpatterns = [
    path("new/", appointment_new, name="new"),
    path("book/<int:timeslot_pk>/", appointment_book_view, name="book"),
]
