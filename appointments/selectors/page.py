"""Reads of the appointments pages: the Appointments page's occurrences of a day or week, the
openings the "Create Appointment Booking" dialog lists, the Enrollments panel's bookings, and
a booking's page. Each is a fixed number of queries whatever the rows (SPEC 11)."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from contacts.models import Contact

from ..models import AppointmentBooking, AppointmentType, Occurrence, Seat
from ..states import SeatState


def local_bounds(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """UTC instants of local midnight at `start` and the midnight after `end` (site zone), so
    a period is read through the `starts_at` index instead of scanning every date."""
    zone = ZoneInfo(settings.TIME_ZONE)
    lo = datetime.datetime.combine(start, datetime.time(), tzinfo=zone)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    return lo.astimezone(datetime.UTC), hi.astimezone(datetime.UTC)


def period_occurrences(
    *,
    start: datetime.date,
    end: datetime.date,
    staff_id: int | None = None,
    type_id: int | None = None,
) -> QuerySet[Occurrence]:
    """The occurrences of live timeslots from `start` to `end` (local dates), soonest first,
    with their timeslot, staff and type in the same query."""
    lo, hi = local_bounds(start, end)
    rows = Occurrence.objects.filter(
        starts_at__gte=lo, starts_at__lt=hi, timeslot__archived=False
    ).select_related("timeslot", "timeslot__staff", "timeslot__appointment_type")
    if staff_id:
        rows = rows.filter(timeslot__staff_id=staff_id)
    if type_id:
        rows = rows.filter(timeslot__appointment_type_id=type_id)
    return rows.order_by("starts_at", "pk")


def open_occurrences(*, start: datetime.date, end: datetime.date) -> QuerySet[Occurrence]:
    """Occurrences with openings from `start` to `end`, not started, not cancelled: what the
    "Create Appointment Booking" dialog offers to "Select"."""
    return period_occurrences(start=start, end=end).filter(
        cancelled=False, taken__lt=F("capacity"), starts_at__gt=timezone.now()
    )


def booked_students(occurrences: list[Occurrence]) -> dict[int, list[Seat]]:
    """The booked seats of these occurrences with their booking and student (one query)."""
    by_occurrence: dict[int, list[Seat]] = {o.pk: [] for o in occurrences}
    if not by_occurrence:
        return by_occurrence
    seats = (
        Seat.objects.filter(occurrence_id__in=list(by_occurrence), state=SeatState.BOOKED)
        .select_related("booking__student")
        .only(
            "occurrence_id",
            "booking__reference",
            "booking__student__first_name",
            "booking__student__last_name",
        )
        .order_by("occurrence_id", "pk")
    )
    for seat in seats:
        by_occurrence[seat.occurrence_id].append(seat)
    return by_occurrence


def staff_choices() -> QuerySet:
    """Staff members with live timeslots (the page's Staff filter)."""
    users = get_user_model().objects.filter(timeslots__archived=False).distinct()
    return users.order_by("first_name", "last_name", "pk")


def type_choices() -> QuerySet[AppointmentType]:
    return AppointmentType.objects.filter(active=True).order_by("name")


def enrollments(students: list[Contact], *, limit: int = 50) -> list[AppointmentBooking]:
    """The appointment bookings of these students, newest first, each with its next booked
    date (`next_date`, None when none is left) in the same query."""
    if not students:
        return []
    upcoming = (
        Seat.objects.filter(
            booking=OuterRef("pk"),
            state=SeatState.BOOKED,
            occurrence__starts_at__gt=timezone.now(),
        )
        .order_by("occurrence__starts_at")
        .values("occurrence__date")[:1]
    )
    rows = (
        AppointmentBooking.objects.filter(student_id__in=[s.pk for s in students])
        .select_related("student", "timeslot__staff", "timeslot__appointment_type")
        .annotate(next_date=Subquery(upcoming))
        .order_by("-pk")
    )
    return list(rows[:limit])


def booking_detail(pk: int) -> AppointmentBooking:
    return AppointmentBooking.objects.select_related(
        "student",
        "family",
        "timeslot__staff",
        "timeslot__appointment_type",
        "pricing_schedule",
        "pack",
        "created_by",
    ).get(pk=pk)


def booking_seats(booking: AppointmentBooking) -> list[Seat]:
    return list(
        Seat.objects.filter(booking=booking)
        .select_related("occurrence")
        .order_by("occurrence__starts_at", "pk")
    )
