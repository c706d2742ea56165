"""What the calendar reads: the events of a period (course bookings on their schedules'
timetable sessions, appointment bookings on their seats' occurrences) and one booking's
details. Constant queries whatever the number of bookings: one for the sessions, one for their
bookings, one for the seats."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from appointments.models import AppointmentBooking, Seat
from appointments.states import SeatState
from bookings.models import Booking, BookingStatus
from core.access import has
from schedules.models import TimetableSession

from .statuses import StatusLook, look

COURSE, APPOINTMENT = "course", "appointment"


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
    def sort_key(self) -> tuple:
        return (self.day, self.start, self.reference)


def sees_everything(user) -> bool:
    """Admins, team leaders and finance see every booking; a provider only their own
    (the schedules they train, the timeslots they staff)."""
    return has(user, "view_bookings")


def _name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


def course_events(
    user, start: datetime.date, end: datetime.date, *, scope: Scope | None = None
) -> list[Event]:
    """Every course booking on each of its schedule's timetable sessions from `start` to
    `end` (two queries)."""
    sessions = TimetableSession.objects.filter(date__gte=start, date__lte=end)
    if not sees_everything(user):
        sessions = sessions.filter(schedule__trainer=user)
    if scope is not None:
        sessions = sessions.filter(
            Q(schedule__trainer_id__in=scope.people) | Q(schedule__venue_id__in=scope.venues)
        )
    by_schedule: dict[int, list[tuple]] = defaultdict(list)
    for schedule_id, day, s, e in sessions.values_list(
        "schedule_id", "date", "start_time", "end_time"
    ):
        by_schedule[schedule_id].append((day, s, e))
    if not by_schedule:
        return []
    rows = Booking.objects.filter(schedule_id__in=list(by_schedule)).values_list(
        "pk",
        "reference",
        "status",
        "kind",
        "schedule_id",
        "schedule__course__title",
        "contact__first_name",
        "contact__last_name",
        "organisation__name",
        "places_bought",
    )
    events = []
    for pk, ref, status, kind, schedule_id, title, first, last, org, bought in rows:
        if kind == "individual":
            who = _name(first, last)
        elif kind == "placeholder":
            who = f"{org} ({bought} place{'s' if bought != 1 else ''})"
        else:
            who = org or _name(first, last)
        for day, s, e in by_schedule[schedule_id]:
            events.append(Event(COURSE, pk, None, ref, title, who, day, s, e, status))
    return events


def appointment_events(
    user, start: datetime.date, end: datetime.date, *, scope: Scope | None = None
) -> list[Event]:
    """Every seat of an appointment booking whose occurrence is from `start` to `end` (one
    query). A cancelled seat shows as cancelled whatever its booking's status."""
    if not has(user, "view_appointments"):
        return []
    seats = Seat.objects.filter(occurrence__date__gte=start, occurrence__date__lte=end)
    if not sees_everything(user):
        seats = seats.filter(occurrence__timeslot__staff=user)
    if scope is not None:
        seats = seats.filter(occurrence__timeslot__staff_id__in=scope.people)
    rows = seats.values_list(
        "pk",
        "booking_id",
        "booking__reference",
        "booking__status",
        "state",
        "occurrence__date",
        "occurrence__starts_at",
        "occurrence__ends_at",
        "occurrence__timeslot__appointment_type__name",
        "booking__student__first_name",
        "booking__student__last_name",
    )
    zone = timezone.get_current_timezone()
    events = []
    for pk, booking_id, ref, status, state, day, starts, ends, title, first, last in rows:
        if state == SeatState.CANCELLED:
            status = BookingStatus.CANCELLED
        events.append(
            Event(
                APPOINTMENT,
                booking_id,
                pk,
                ref,
                title,
                _name(first, last),
                day,
                starts.astimezone(zone).time(),
                ends.astimezone(zone).time(),
                status,
            )
        )
    return events


def events_between(
    user,
    start: datetime.date,
    end: datetime.date,
    *,
    scope: Scope | None = None,
) -> list[Event]:
    """The events a user may see from `start` to `end`, sorted by day and time. `scope`: only
    the bookings of the ticked calendars' trainers / staff and venues; None: all."""
    events = course_events(user, start, end, scope=scope) + appointment_events(
        user, start, end, scope=scope
    )
    events.sort(key=lambda e: e.sort_key)
    return events


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
