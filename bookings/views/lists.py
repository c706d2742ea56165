"""The bookings list, a contact's bookings and a schedule's attendance register."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.vary import vary_on_headers

from contacts.models import Contact
from core.access import has, require
from core.web import partial_template
from schedules.models import Schedule

from .. import selectors
from ..filters import BookingFilter
from ..forms import ContactBookingsSearch


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
