"""The Appointments page: the timeslots of a day or a week with their openings (places left
per occurrence), filters by staff and type, "Book" per occurrence with openings."""

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.vary import vary_on_headers

from core.access import has, require
from core.paging import QuickPage
from core.web import partial_template

from ..forms.booking import PageFilterForm
from ..recurrence import local_today
from ..selectors import page as page_selectors
from ._common import own_only

# A week of 2,000 timeslots has thousands of occurrences: the page shows them in pages of
# this many (core.paging.QuickPage: no COUNT), in time order.
PER_PAGE = 50


def _period(view: str, day: datetime.date) -> tuple[datetime.date, datetime.date, int]:
    if view == "week":
        monday = day - datetime.timedelta(days=day.weekday())
        return monday, monday + datetime.timedelta(days=6), 7
    return day, day, 1


@require("view_appointments")
@vary_on_headers("HX-Request")
def appointments_page(request: HttpRequest) -> HttpResponse:
    staff = page_selectors.staff_choices()
    if own_only(request.user):
        staff = staff.filter(pk=request.user.pk)
    today = local_today()
    query = request.GET.copy()
    query.setdefault("view", "day")
    query.setdefault("date", today.isoformat())  # the fields show the period shown
    form = PageFilterForm(query, staff=staff, types=page_selectors.type_choices())
    form.is_valid()  # a bad value is said on its field; the valid ones still filter
    data = form.cleaned_data
    view = data.get("view") or "day"
    day = data.get("date") or today
    start, end, step = _period(view, day)
    staff_member = data.get("staff")
    staff_id = (
        request.user.pk if own_only(request.user) else (staff_member.pk if staff_member else None)
    )
    appointment_type = data.get("type")
    page = QuickPage(
        page_selectors.period_occurrences(
            start=start,
            end=end,
            staff_id=staff_id,
            type_id=appointment_type.pk if appointment_type else None,
        ),
        request.GET.get("page"),
        PER_PAGE,
    )
    rows = list(page)
    seats = page_selectors.booked_students(rows)
    can_book = has(request.user, "manage_appointments")
    now = timezone.now()
    book_url = reverse("appointments:book", args=[0])[: -len("0/")]
    names: dict[int, str] = {}
    days: dict[datetime.date, list] = {}
    for o in rows:
        # Worked out once per row here rather than by template lookups (the page's cost is
        # its rendering): times, the staff name, the Book link.
        slot = o.timeslot
        o.booked_seats = seats.get(o.pk, [])
        o.time_label = f"{slot.start_time:%H:%M}–{slot.end_time:%H:%M}"
        o.iso = o.starts_at.isoformat()
        if slot.staff_id not in names:
            names[slot.staff_id] = slot.staff_name
        o.staff_label = names[slot.staff_id]
        bookable = can_book and not o.cancelled and o.places_left > 0 and o.starts_at > now
        o.book_url = f"{book_url}{slot.pk}/?date={o.date.isoformat()}" if bookable else ""
        o.book_label = (
            f"Book {slot.appointment_type.name} with {o.staff_label} on "
            f"{o.date.day} {o.date:%b %Y} at {slot.start_time:%H:%M}"
        )
        days.setdefault(o.date, []).append(o)

    def link(**changes) -> str:
        params = {
            "view": view,
            "date": day.isoformat(),
            "staff": staff_member.pk if staff_member else "",
            "type": appointment_type.pk if appointment_type else "",
        }
        params.update(changes)
        return "?" + urlencode({k: v for k, v in params.items() if v not in ("", None)})

    shift = datetime.timedelta(days=step)
    context = {
        "form": form,
        "view": view,
        "day": day,
        "start": start,
        "end": end,
        "days": sorted(days.items()),
        "page": page,
        "can_book": can_book,
        "own_only": own_only(request.user),
        "links": {
            "previous": link(date=(day - shift).isoformat()),
            "next": link(date=(day + shift).isoformat()),
            "today": link(date=today.isoformat()),
            "day": link(view="day"),
            "week": link(view="week"),
            "previous_page": link(page=page.number - 1) if page.has_previous() else "",
            "next_page": link(page=page.number + 1) if page.has_next() else "",
        },
        "today": today,
    }
    return render(request, partial_template(request, "appointments/page.html", "results"), context)


urlpatterns = [path("", appointments_page, name="page")]
