"""What the calendar reads: the events of a period (course bookings on their schedules'
timetable sessions, appointment bookings on their seats' occurrences) and one booking's
details. Constant queries whatever the number of bookings: one for the sessions, one for their
bookings, one for the seats."""

import datetime
from dataclasses import dataclass
from operator import attrgetter

from django.db.models import Count, F, Q, Window
from django.db.models.functions import ExtractHour, RowNumber
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString

from appointments.models import AppointmentBooking, Seat
from appointments.states import SeatState
from bookings.models import Booking, BookingStatus
from core.access import has
from schedules.models import TimetableSession

from .statuses import StatusLook, look

COURSE, APPOINTMENT = "course", "appointment"
URL_PREFIX = "/calendar/"  # agenda/urls.py under config/urls.py; checked by the tests


@dataclass(frozen=True)
class Scope:
    """What the ticked calendars cover: staff members (their schedules and timeslots) and
    venues (their schedules)."""

    people: frozenset[int] = frozenset()
    venues: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Event:
    kind: str  # COURSE or APPOINTMENT
    booking_id: int
    seat_id: int | None
    reference: str
    title: str
    who: str
    day: datetime.date
    start: datetime.time
    end: datetime.time
    status: str

    @property
    def look(self) -> StatusLook:
        return look(self.status)

    @property
    def is_course(self) -> bool:
        return self.kind == COURSE

    @property
    def grid_html(self) -> SafeString:
        """The event in a grid cell: a link to its details (a <dialog> with HTMX), the status
        as a symbol and a hidden label. Built here, not in the template: a busy month draws
        hundreds of these and the template language costs ten times more per value."""
        look, url = self.look, escape(self.url)
        return SafeString(
            f'<li><a class="event {look.css}" data-agenda-event href="{url}" hx-get="{url}" '
            f'hx-target="#agenda-panel-body" hx-push-url="false"><span class="event-symbol" '
            f'aria-hidden="true">{look.symbol}</span> <span class="event-time">'
            f'{self.start:%H:%M}</span> <span class="event-title">{escape(self.reference)} '
            f'{escape(self.title)}</span><span class="event-who">{escape(self.who)}</span>'
            f'<span class="visually-hidden">, {escape(look.label)}</span></a></li>'
        )

    @property
    def list_html(self) -> SafeString:
        """The event in the list below the grid, with its status as text."""
        look = self.look
        return SafeString(
            f"<li>{self.start:%H:%M}–{self.end:%H:%M} "
            f'<a href="{escape(self.url)}">{escape(self.reference)}</a> {escape(self.title)}, '
            f'{escape(self.who)} <span class="status-tag {look.css}"><span aria-hidden="true">'
            f"{look.symbol}</span> {escape(look.label)}</span></li>"
        )

    @property
    def url(self) -> str:
        """The details of the booking (an appointment: of this date)."""
        if self.kind == COURSE:
            return f"{URL_PREFIX}booking/{self.booking_id}/"
        return f"{URL_PREFIX}appointment/{self.booking_id}/?seat={self.seat_id}"


def sees_everything(user) -> bool:
    """Admins, team leaders and finance see every booking; a provider only their own
    (the schedules they train, the timeslots they staff)."""
    return has(user, "view_bookings")


def _name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


DAY_CELLS, HOUR_CELLS = "day", "hour"


@dataclass
class Events:
    """The events shown (at most `cap` per cell, sorted by day and time) and how many there
    are in each cell (a day, or a day and hour), so a cell can say "N more"."""

    shown: list[Event]
    counts: dict  # day or (day, hour) -> number of events there

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _capped(qs, *, day: str, hour, order: list, cells: str, cap: int | None):
    """Number the rows of each cell (SQL window functions) and keep the first `cap`: the
    database sends a few rows per cell and the count of each, whatever the bookings."""
    partition = [F(day)] if cells == DAY_CELLS else [F(day), hour]
    qs = qs.annotate(
        cell_hour=hour,
        cell_n=Window(Count("*"), partition_by=partition),
        cell_rn=Window(RowNumber(), partition_by=partition, order_by=order),
    )
    return qs.filter(cell_rn__lte=cap) if cap else qs


def _who(kind: str, first, last, org, bought) -> str:
    if kind == "individual":
        return _name(first, last)
    if kind == "placeholder":
        return f"{org} ({bought} place{'s' if bought != 1 else ''})"
    return org or _name(first, last)


def course_events(
    user, start: datetime.date, end: datetime.date, *, scope: Scope | None = None,
    cells: str = DAY_CELLS, cap: int | None = None,
) -> Events:  # fmt: skip
    """Course bookings on each of their schedule's timetable sessions from `start` to `end`.
    Two queries: the sessions x bookings numbered per cell, narrow (ids, times), then the
    details of the few shown."""
    sessions = TimetableSession.objects.filter(
        date__gte=start, date__lte=end, schedule__bookings__isnull=False
    )
    if not sees_everything(user):
        sessions = sessions.filter(schedule__trainer=user)
    if scope is not None:
        sessions = sessions.filter(
            Q(schedule__trainer_id__in=scope.people) | Q(schedule__venue_id__in=scope.venues)
        )
    rows = list(
        _capped(
            sessions,
            day="date",
            hour=ExtractHour("start_time"),
            cells=cells,
            cap=cap,
            order=[F("start_time").asc(), F("schedule__bookings__id").asc()],
        ).values_list(
            "schedule__bookings__id",
            "date",
            "start_time",
            "end_time",
            "cell_hour",
            "cell_n",
            "schedule__course__title",
        )  # fmt: skip
    )
    details = (
        {
            pk: (ref, status, _who(kind, first, last, org, bought))
            for pk, ref, status, kind, first, last, org, bought in Booking.objects.filter(
                pk__in={r[0] for r in rows}
            ).values_list(
                "pk",
                "reference",
                "status",
                "kind",
                "contact__first_name",
                "contact__last_name",
                "organisation__name",
                "places_bought",
            )  # fmt: skip
        }
        if rows
        else {}
    )
    shown, counts = [], {}
    for pk, day, s, e, h, n, title in rows:
        ref, status, who = details[pk]
        shown.append(Event(COURSE, pk, None, ref, title, who, day, s, e, status))
        counts[day if cells == DAY_CELLS else (day, h)] = n
    return Events(shown, counts)


def appointment_events(
    user, start: datetime.date, end: datetime.date, *, scope: Scope | None = None,
    cells: str = DAY_CELLS, cap: int | None = None,
) -> Events:  # fmt: skip
    """Seats of appointment bookings whose occurrence is from `start` to `end`: the seats
    numbered per cell (narrow), then the details of the few shown. A cancelled seat shows as
    cancelled whatever its booking's status."""
    if not has(user, "view_appointments"):
        return Events([], {})
    zone = timezone.get_current_timezone()
    since = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min), zone)
    until = timezone.make_aware(
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min), zone
    )  # local days as UTC bounds: the occurrences' starts_at index answers
    seats = Seat.objects.filter(occurrence__starts_at__gte=since, occurrence__starts_at__lt=until)
    if not sees_everything(user):
        seats = seats.filter(occurrence__timeslot__staff=user)
    if scope is not None:
        seats = seats.filter(occurrence__timeslot__staff_id__in=scope.people)
    rows = list(
        _capped(
            seats,
            day="occurrence__date",
            cells=cells,
            cap=cap,
            hour=ExtractHour("occurrence__starts_at", tzinfo=zone),
            order=[F("occurrence__starts_at").asc(), F("booking_id").asc()],
        ).values_list(
            "pk",
            "booking_id",
            "state",
            "occurrence__date",
            "occurrence__starts_at",
            "occurrence__ends_at",
            "cell_hour",
            "cell_n",
        )  # fmt: skip
    )
    details = (
        {
            pk: (ref, status, title, _name(first, last))
            for pk, ref, status, title, first, last in AppointmentBooking.objects.filter(
                pk__in={r[1] for r in rows}
            ).values_list(
                "pk",
                "reference",
                "status",
                "timeslot__appointment_type__name",
                "student__first_name",
                "student__last_name",
            )  # fmt: skip
        }
        if rows
        else {}
    )
    shown, counts = [], {}
    for pk, booking_id, state, day, starts, ends, h, n in rows:
        ref, status, title, who = details[booking_id]
        if state == SeatState.CANCELLED:
            status = BookingStatus.CANCELLED
        shown.append(
            Event(
                APPOINTMENT,
                booking_id,
                pk,
                ref,
                title,
                who,
                day,
                starts.astimezone(zone).time(),
                ends.astimezone(zone).time(),
                status,
            )  # fmt: skip
        )
        counts[day if cells == DAY_CELLS else (day, h)] = n
    return Events(shown, counts)


def events_between(
    user,
    start: datetime.date,
    end: datetime.date,
    *,
    scope: Scope | None = None,
    cells: str = DAY_CELLS,
    cap: int | None = None,
) -> Events:
    """The events a user may see from `start` to `end`, at most `cap` per cell (a day, or a
    day and hour), sorted by day and time, with the number in each cell. `scope`: only the
    bookings of the ticked calendars' trainers / staff and venues; None: all. Two queries."""
    course = course_events(user, start, end, scope=scope, cells=cells, cap=cap)
    appts = appointment_events(user, start, end, scope=scope, cells=cells, cap=cap)
    shown = course.shown + appts.shown
    shown.sort(key=attrgetter("day", "start", "reference"))
    counts = dict(course.counts)
    for key, n in appts.counts.items():
        counts[key] = counts.get(key, 0) + n
    return Events(shown, counts)


# --- one booking ------------------------------------------------------------------------------


def course_booking_for(user, pk: int) -> Booking | None:
    """The course booking if `user` may see it (a provider: on a schedule they train)."""
    qs = Booking.objects.select_related(
        "schedule", "schedule__course", "schedule__venue", "schedule__trainer",
        "organisation", "lead_booker", "contact",
    )  # fmt: skip
    if not sees_everything(user):
        qs = qs.filter(schedule__trainer=user)
    return qs.filter(pk=pk).first()


def appointment_booking_for(user, pk: int) -> AppointmentBooking | None:
    """The appointment booking if `user` may see it (a provider: in a timeslot they staff)."""
    if not has(user, "view_appointments"):
        return None
    qs = AppointmentBooking.objects.select_related(
        "student", "family", "timeslot", "timeslot__staff", "timeslot__appointment_type",
        "pricing_schedule", "pack",
    )  # fmt: skip
    if not sees_everything(user):
        qs = qs.filter(
            Q(timeslot__staff=user) | Q(seats__occurrence__timeslot__staff=user)
        ).distinct()
    return qs.filter(pk=pk).first()


def appointment_seats(booking: AppointmentBooking, *, limit: int = 60) -> list[Seat]:
    return list(
        booking.seats.select_related(
            "occurrence", "occurrence__timeslot", "occurrence__timeslot__staff"
        ).order_by("occurrence__starts_at")[:limit]
    )
