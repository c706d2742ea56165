""" "Create Booking" from the calendar (seed 003), prefilled with the day (and time) clicked:
a course booking goes on to "Add booking" with a schedule running that day chosen; an
appointment to the Appointments page for that day. Both end with their own confirm."""

import datetime

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from appointments.recurrence import local_today
from core.access import has, require
from schedules.models import Schedule

from ..periods import parse_date, parse_time

SCHEDULES_SHOWN = 50


@require("view_appointments")
def create_booking(request: HttpRequest) -> HttpResponse:
    day = parse_date(request.GET.get("date"), local_today())
    at = parse_time(request.GET.get("time"))
    schedules = []
    can_course = has(request.user, "manage_bookings")
    if can_course:
        zone = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), zone)
        end = start + datetime.timedelta(days=1)
        schedules = list(
            Schedule.objects.filter(
                Q(sessions__date=day) | Q(start_at__lt=end, end_at__gt=start),
                end_at__gte=timezone.now(),
            )
            .distinct()
            .select_related("course", "venue")
            .order_by("start_at", "id")[:SCHEDULES_SHOWN]
        )
    return render(
        request,
        "agenda/create.html",
        {
            "page_title": "Create Booking",
            "day": day,
            "at": at,
            "schedules": schedules,
            "can_course": can_course,
            "can_appointment": has(request.user, "manage_appointments"),
        },
    )


urlpatterns = [path("new/", create_booking, name="create")]
