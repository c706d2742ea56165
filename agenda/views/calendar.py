"""The calendar: month, week and day over every kind of booking (SPEC 7, seed 003)."""

import datetime
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.vary import vary_on_headers

from appointments.recurrence import local_today
from core.access import has, require
from core.web import partial_template

from .. import bridge, grid
from ..periods import DAY, MONTH, VIEW_LABELS, VIEWS, WEEK, WEEKDAY_NAMES, Period, parse_date
from ..selectors import events_between
from ..statuses import legend

URL_NAMES = {MONTH: "agenda:month", WEEK: "agenda:week", DAY: "agenda:day"}


def view_url(view: str, day: datetime.date, **extra) -> str:
    return reverse(URL_NAMES[view]) + "?" + urlencode({"date": day.isoformat(), **extra})


def _calendar(request: HttpRequest, view: str) -> HttpResponse:
    today = local_today()
    anchor = parse_date(request.GET.get("date"), today)
    period = Period(view=view, anchor=anchor, today=today)
    calendars = bridge.state_for(request.user)
    cells, cap = grid.QUERY[view]
    events = events_between(
        request.user, period.start, period.end, scope=calendars.scope, cells=cells, cap=cap
    )
    busy = bridge.busy_blocks_for(calendars, period.start, period.end)
    built = grid.build(period, events, busy)
    context = {
        "page_title": f"Calendar · {period.title}",
        "period": period,
        "grid": built,
        "view": view,
        "views": [(v, VIEW_LABELS[v], view_url(v, anchor)) for v in VIEWS],
        "previous_url": view_url(view, period.previous),
        "next_url": view_url(view, period.next),
        "today_url": view_url(view, today),
        "day_names": WEEKDAY_NAMES,
        "legend": legend(),
        "day_url": reverse("agenda:day"),
        "create_url": reverse("agenda:create"),
        "busy": busy,
        "calendars": calendars.choices,
        "can_create": has(request.user, "manage_appointments")
        or has(request.user, "manage_bookings"),
    }
    return render(request, partial_template(request, "agenda/calendar.html", "agenda"), context)


@require("view_appointments")
@vary_on_headers("HX-Request")
def calendar_month(request: HttpRequest) -> HttpResponse:
    return _calendar(request, MONTH)


@require("view_appointments")
@vary_on_headers("HX-Request")
def calendar_week(request: HttpRequest) -> HttpResponse:
    return _calendar(request, WEEK)


@require("view_appointments")
@vary_on_headers("HX-Request")
def calendar_day(request: HttpRequest) -> HttpResponse:
    return _calendar(request, DAY)


urlpatterns = [
    path("", calendar_month, name="month"),
    path("week/", calendar_week, name="week"),
    path("day/", calendar_day, name="day"),
]
