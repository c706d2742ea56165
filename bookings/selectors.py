"""Reads of bookings shared by the pages, the portal and other apps.

Every list here is paged by the caller and loads its related rows in a fixed number of
queries, whatever the number of bookings or delegates.
"""

from django.db.models import Prefetch, Q, QuerySet

from contacts.models import Contact
from contacts.selectors import contacts_matching
from core.models import AuditEvent
from schedules.models import Schedule

from .models import Attendance, AttendanceStatus, Booking, BookingPlace, PlaceState


def _places_prefetch() -> Prefetch:
    return Prefetch(
        "places",
        queryset=BookingPlace.objects.select_related("contact").order_by("pk"),
    )


class BookingPage:
    """One page of bookings without COUNT(*) (one extra id says whether a next page exists).

    The page's ids are found first on the bare, filtered table, then only those rows are
    loaded with their schedule, course, organisation, people and places: the joins never run
    over every match, so the cost does not grow with the number of bookings.
    """

    def __init__(self, queryset: QuerySet[Booking], number, *, order=("-created_at", "-pk"),
                 per_page: int = 25):  # fmt: skip
        try:
            number = int(number or 1)
        except (TypeError, ValueError):
            number = 1
        self.number = max(1, min(number, 10_000))
        offset = (self.number - 1) * per_page
        ids = list(
            queryset.order_by(*order).values_list("pk", flat=True)[offset : offset + per_page + 1]
        )
        self.has_next = len(ids) > per_page
        ids = ids[:per_page]
        rows = booking_list_queryset().in_bulk(ids)
        self.object_list = [rows[i] for i in ids if i in rows]
        self.has_previous = self.number > 1
        self.next_page_number = self.number + 1
        self.previous_page_number = self.number - 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def booking_list_queryset() -> QuerySet[Booking]:
    return Booking.objects.select_related(
        "schedule__course", "organisation", "contact", "lead_booker"
    ).prefetch_related(_places_prefetch())


# Up to this many matching contacts / places, the matching bookings are fetched as ids first.
DELEGATE_CONTACTS_FIRST = 1000
DELEGATE_PLACES_FIRST = 5000


def bookings_with_delegate(text: str, qs: QuerySet[Booking] | None = None) -> QuerySet[Booking]:
    """Bookings with a delegate (or the student / lead booker) whose name or mobile matches.

    PostgreSQL estimates the number of trigram matches poorly: for a rare surname it prefers
    walking every booking newest first and probing each one's delegates, or hashing every
    place (120-160 ms at 1,000,000 places). So when the matches are few (the usual case for a
    name), the contact ids and then their booking ids are read first, each as a plain list
    the planner sizes exactly (two small queries through the trigram index and the places'
    contact index), and the list filters on those ids. When they are many (a common
    fragment), the semi-join is kept: walking newest first then finds a page at once.
    """
    qs = booking_list_queryset() if qs is None else qs
    matching = contacts_matching(text).order_by()
    contact_ids = list(matching.values_list("pk", flat=True)[: DELEGATE_CONTACTS_FIRST + 1])
    if len(contact_ids) <= DELEGATE_CONTACTS_FIRST:
        booking_ids = list(
            BookingPlace.objects.filter(contact_id__any=contact_ids)
            .order_by()
            .values_list("booking_id", flat=True)[: DELEGATE_PLACES_FIRST + 1]
        )
        if len(booking_ids) <= DELEGATE_PLACES_FIRST:
            return qs.filter(pk__any=sorted(set(booking_ids)))
    places = BookingPlace.objects.filter(contact__in=matching.values("pk")).order_by()
    return qs.filter(pk__in=places.values("booking_id"))


def booking_detail(pk: int) -> Booking:
    return (
        Booking.objects.select_related(
            "schedule__course",
            "schedule__venue",
            "organisation",
            "contact",
            "lead_booker",
            "created_by",
        )
        .prefetch_related(
            Prefetch(
                "places",
                queryset=BookingPlace.objects.select_related(
                    "contact", "schedule", "transferred_to__schedule"
                ).order_by("pk"),
            )
        )
        .get(pk=pk)
    )


def booking_history(booking: Booking) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.for_object(booking)


def booking_invoices(booking: Booking) -> list:
    """The booking's invoices with their cached status and outstanding amounts."""
    from invoicing.selectors import invoices_for_booking

    return invoices_for_booking(booking)


def contact_bookings(contact: Contact, *, schedule_code: str = "") -> QuerySet[Booking]:
    """A contact's bookings (as delegate, student or lead booker), optionally by Schedule ID."""
    # The contact's booking ids first (two index lookups), then the bookings by id: an OR of
    # the two conditions would make PostgreSQL walk every booking.
    ids = set(BookingPlace.objects.filter(contact=contact).values_list("booking_id", flat=True))
    ids |= set(Booking.objects.filter(lead_booker=contact).values_list("pk", flat=True))
    qs = Booking.objects.filter(pk__in=ids)
    code = (schedule_code or "").strip()[:20]
    if code:
        qs = qs.filter(
            Q(schedule__code__icontains=code)
            | Q(
                pk__in=BookingPlace.objects.filter(
                    contact=contact, schedule__code__icontains=code
                ).values("booking_id")
            )
        )
    return qs.order_by("-schedule__start_at", "-pk")


def portal_bookings(user) -> QuerySet[Booking]:
    """The bookings of the logged-in student, or of every student of the user's family."""
    people = Contact.objects.filter(Q(user=user) | Q(family__user=user)).values("pk")
    return (
        booking_list_queryset()
        .filter(pk__in=BookingPlace.objects.filter(contact__in=people).values("booking_id"))
        .order_by("-schedule__start_at", "-pk")
    )


def portal_places(user, booking: Booking) -> list[BookingPlace]:
    """Only the user's own (or family's) places of a booking: never other delegates."""
    people = Contact.objects.filter(Q(user=user) | Q(family__user=user)).values("pk")
    return list(
        booking.places.filter(contact__in=people).select_related("contact", "schedule__course")
    )


_ATTENDANCE_BADGES = {
    AttendanceStatus.ATTENDED: "badge-ok",
    AttendanceStatus.ABSENT: "badge-bad",
    AttendanceStatus.CANCELLED: "badge-muted",
    AttendanceStatus.PENDING: "badge-warn",
}


def schedule_register(schedule: Schedule) -> dict:
    """The attendance register: delegates booked on the schedule x its timetable sessions.

    Three queries; the cells are plain (label, badge) pairs, not model instances, so a
    register of a hundred delegates over several sessions stays cheap to build and render.
    """
    sessions = list(schedule.sessions.order_by("date", "start_time"))
    places = list(
        BookingPlace.objects.filter(schedule=schedule)
        .exclude(state=PlaceState.TRANSFERRED)
        .select_related("contact", "booking__organisation")
        .only(
            "state",
            "booking_id",
            "contact_id",
            "booking__organisation_id",
            "contact__first_name",
            "contact__last_name",
            "booking__reference",
            "booking__organisation__name",
        )
        .order_by("state", "contact__last_name", "contact__first_name", "pk")
    )
    marks: dict[tuple[int, int], str] = {
        (place_id, session_id): status
        for place_id, session_id, status in Attendance.objects.filter(
            session__schedule=schedule
        ).values_list("place_id", "session_id", "status")
    }
    labels = dict(AttendanceStatus.choices)
    rows = []
    for place in places:
        cells = []
        for session in sessions:
            status = marks.get((place.pk, session.pk))
            cells.append((labels[status], _ATTENDANCE_BADGES[status]) if status else None)
        rows.append(
            {
                "name": place.contact.full_name if place.contact_id else "Unassigned place",
                "organisation": place.booking.organisation.name
                if place.booking.organisation_id
                else "",
                "booking_id": place.booking_id,
                "reference": place.booking.reference,
                "state": place.get_state_display(),
                "state_badge": place.state_badge(),
                "cells": cells,
            }
        )
    return {"sessions": sessions, "rows": rows}
