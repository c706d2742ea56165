"""What a staff or venue calendar shows: one event per booking, with one stable UID.

Granularity (SPEC 7: "sync never duplicates an event"):

- A course booking (`bookings.Booking`) is ONE event, UID `booking-<pk>@<SITE_DOMAIN>`, over its
  schedule's run (`Schedule.start_at` to `end_at`), on the schedule's trainer's and venue's
  calendars. A schedule's sessions are listed in its description, not as separate events: a
  course is booked and cancelled as a whole, and a transfer moves the booking (same UID, new
  time and place, SEQUENCE + 1).
- An appointment booking (`appointments.AppointmentBooking`) is ONE event, UID
  `appointment-<pk>@<SITE_DOMAIN>`, on its staff member's calendar: DTSTART/DTEND are its
  first booked seat's occurrence and every other booked seat is an RDATE (UTC; a timeslot's
  occurrences all last the same wall-clock time). A recurring booking is one event whatever its
  number of seats; a seat cancelled alone drops out of the RDATEs (a significant change).

The event's iCalendar STATUS is CANCELLED for a cancelled booking, TENTATIVE while it is
pending approval or waiting for payment, CONFIRMED otherwise ("confirming" is our push state,
not a change of the event). `fingerprint` covers time, place and that STATUS: SEQUENCE goes up
exactly when it changes (`calendars.services.booking_changed`).
"""

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from appointments.models import AppointmentBooking, Seat
from appointments.states import SeatState
from bookings.models import Booking, BookingStatus

from .models import Calendar, CalendarKind

UTC = datetime.UTC
TENTATIVE_STATUSES = frozenset({BookingStatus.PENDING, BookingStatus.WAITING})


def booking_uid(pk: int) -> str:
    return f"booking-{pk}@{settings.SITE_DOMAIN}"


def appointment_uid(pk: int) -> str:
    return f"appointment-{pk}@{settings.SITE_DOMAIN}"


def ical_status(status: str) -> str:
    if status == BookingStatus.CANCELLED:
        return "CANCELLED"
    if status in TENTATIVE_STATUSES:
        return "TENTATIVE"
    return "CONFIRMED"


@dataclass
class Event:
    uid: str
    summary: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    status: str  # iCalendar STATUS
    booking_status: str
    location: str = ""
    description: str = ""
    rdates: list[datetime.datetime] = field(default_factory=list)
    sequence: int = 0
    booking_id: int | None = None
    appointment_id: int | None = None
    reference: str = ""
    # The calendars this event belongs on: (kind, owner id or venue id).
    staff_id: int | None = None
    venue_id: int | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == "CANCELLED"

    def fingerprint(self) -> str:
        """Time, place and status: what makes a change significant."""
        parts = [
            self.starts_at.astimezone(UTC).isoformat(),
            self.ends_at.astimezone(UTC).isoformat(),
            ",".join(d.astimezone(UTC).isoformat() for d in self.rdates),
            self.location,
            self.status,
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

    def concerns(self, calendar: Calendar) -> bool:
        if calendar.kind == CalendarKind.STAFF:
            return calendar.owner_id is not None and calendar.owner_id == self.staff_id
        if calendar.kind == CalendarKind.VENUE:
            return calendar.venue_id is not None and calendar.venue_id == self.venue_id
        return False


# The columns a course booking's event is made of: one row per booking, no model instances
# (the feed of 10,000 bookings reads 10,000 tuples, not 60,000 objects).
COURSE_COLUMNS = (
    "pk",
    "reference",
    "status",
    "schedule__start_at",
    "schedule__end_at",
    "schedule__code",
    "schedule__trainer_id",
    "schedule__venue_id",
    "schedule__course__title",
    "schedule__venue__name",
    "schedule__venue__address",
    "contact__first_name",
    "contact__last_name",
    "organisation__name",
    "calendar_event__sequence",
)


def course_event_from_row(row: tuple) -> Event:
    (
        pk,
        reference,
        status,
        starts_at,
        ends_at,
        code,
        trainer_id,
        venue_id,
        title,
        venue_name,
        venue_address,
        first_name,
        last_name,
        organisation,
        sequence,
    ) = row
    who = organisation or f"{first_name or ''} {last_name or ''}".strip()
    location = ""
    if venue_name:
        location = venue_name + (f", {venue_address}" if venue_address else "")
    return Event(
        uid=booking_uid(pk),
        summary=f"{title} · {reference}" + (f" · {who}" if who else ""),
        starts_at=starts_at,
        ends_at=ends_at,
        status=ical_status(status),
        booking_status=status,
        location=location.replace("\r\n", ", ").replace("\n", ", "),
        description=f"Booking {reference}, schedule {code}",
        sequence=sequence or 0,
        booking_id=pk,
        reference=reference,
        staff_id=trainer_id,
        venue_id=venue_id,
    )


def course_events(condition: Q, since: datetime.datetime | None = None) -> list[Event]:
    qs = Booking.objects.filter(condition)
    if since is not None:
        qs = qs.filter(schedule__end_at__gte=since)
    rows = qs.order_by("schedule__start_at", "pk").values_list(*COURSE_COLUMNS)
    return [course_event_from_row(row) for row in rows]


def appointment_event(
    booking: AppointmentBooking,
    seats: list[tuple[datetime.datetime, datetime.datetime, str]],
    sequence: int = 0,
) -> Event | None:
    """`seats`: (starts_at, ends_at, state) of the booking's seats, in time order. None when the
    booking has no seat at all (nothing to show)."""
    if not seats:
        return None
    booked = [s for s in seats if s[2] == SeatState.BOOKED]
    status = booking.status
    if not booked:  # every seat cancelled: the event is cancelled at its first time
        booked, status = seats[:1], BookingStatus.CANCELLED
    first_start, first_end, _ = booked[0]
    timeslot = booking.timeslot
    summary = f"{timeslot.appointment_type.name} · {booking.reference} · {booking.student}"
    return Event(
        uid=appointment_uid(booking.pk),
        summary=summary,
        starts_at=first_start,
        ends_at=first_end,
        rdates=[s[0] for s in booked[1:]],
        status=ical_status(status),
        booking_status=booking.status,
        location=timeslot.location,
        description=f"Appointment booking {booking.reference}",
        sequence=sequence,
        appointment_id=booking.pk,
        reference=booking.reference,
        staff_id=timeslot.staff_id,
    )


def _sequence(obj) -> int:
    try:
        return obj.calendar_event.sequence
    except Exception:  # no EventRecord yet (RelatedObjectDoesNotExist)
        return 0


def _seats_by_booking(booking_ids: list[int]) -> dict[int, list]:
    rows = (
        Seat.objects.filter(booking_id__in=booking_ids)
        .order_by("occurrence__starts_at", "pk")
        .values_list("booking_id", "occurrence__starts_at", "occurrence__ends_at", "state")
    )
    seats: dict[int, list] = defaultdict(list)
    for booking_id, starts, ends, state in rows:
        seats[booking_id].append((starts, ends, state))
    return seats


def appointment_events(condition: Q, since: datetime.datetime | None = None) -> list[Event]:
    qs = AppointmentBooking.objects.filter(condition).select_related(
        "timeslot__appointment_type", "student", "calendar_event"
    )
    if since is not None:
        qs = qs.filter(Q(end_date__isnull=True) | Q(end_date__gte=since.date()))
    bookings = list(qs.order_by("pk"))
    seats = _seats_by_booking([b.pk for b in bookings])
    events = []
    for b in bookings:
        event = appointment_event(b, seats.get(b.pk, []), _sequence(b))
        if event is not None:
            events.append(event)
    return events


def calendar_events(calendar: Calendar, since: datetime.datetime | None = None) -> list[Event]:
    """Every event a staff or venue calendar shows (none for an external calendar)."""
    if calendar.kind == CalendarKind.STAFF:
        events = course_events(Q(schedule__trainer_id=calendar.owner_id), since)
        events += appointment_events(Q(timeslot__staff_id=calendar.owner_id), since)
    elif calendar.kind == CalendarKind.VENUE:
        events = course_events(Q(schedule__venue_id=calendar.venue_id), since)
    else:
        return []
    events.sort(key=lambda e: (e.starts_at, e.uid))
    return events


def event_for(obj: Booking | AppointmentBooking, sequence: int = 0) -> Event | None:
    """The event of one booking, read fresh from the database."""
    if isinstance(obj, Booking):
        found = course_events(Q(pk=obj.pk))
        if not found:
            return None
        found[0].sequence = sequence
        return found[0]
    booking = (
        AppointmentBooking.objects.select_related("timeslot__appointment_type", "student")
        .filter(pk=obj.pk)
        .first()
    )
    if booking is None:
        return None
    return appointment_event(booking, _seats_by_booking([booking.pk]).get(booking.pk, []), sequence)
