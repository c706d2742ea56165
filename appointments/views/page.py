"""The Appointments page: timeslots of a day or week with their openings."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from core.access import require

from ..selectors import timeslots_for_booking


@require("view_appointments")
def appointments_page(request: HttpRequest) -> HttpResponse:
    timeslots = timeslots_for_booking().order_by("start_time", "pk")[:200]
    return render(request, "appointments/page.html", {"timeslots": timeslots})


urlpatterns = [path("", appointments_page, name="page")]
