"""Reads of the punch-pass pages (a module of its own beside `selectors.py`): the passes of a
family or a student with their bookings, and the timeslots a pass can be redeemed for."""

import datetime

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from contacts.models import Contact, Family

from ..models import AppointmentBooking, Occurrence, Pack
from ..recurrence import local_today, window_end
from ..states import PackKind

PANEL_PASSES = 50  # the newest passes shown on a family or contact page
REDEEM_DAYS = 14  # "the next 2 weeks" from the chosen date


def passes_of(subject: Family | Contact) -> QuerySet[Pack]:
    """The punch passes a family holds, or a student holds or shares through their family,
    newest first, with their type, holder and bookings (with student and timeslot) in two
    queries whatever their number."""
    if isinstance(subject, Family):
        held = Q(family=subject)
    else:
        held = Q(contact=subject)
        if subject.family_id:
            held |= Q(family_id=subject.family_id)
    bookings = AppointmentBooking.objects.select_related(
        "student", "timeslot", "timeslot__appointment_type"
    ).order_by("start_date", "pk")
    return (
        Pack.objects.filter(held, kind=PackKind.PUNCH_PASS)
        .select_related("appointment_type", "family", "contact")
        .prefetch_related(Prefetch("bookings", queryset=bookings))
        .order_by("-pk")
    )


def pass_detail(pk: int) -> Pack:
    return Pack.objects.select_related("appointment_type", "family", "contact").get(
        pk=pk, kind=PackKind.PUNCH_PASS
    )


def pass_students(pack: Pack) -> QuerySet[Contact]:
    """Whom a punch of `pack` can be used for: the holder student, or the family's students."""
    if pack.contact_id:
        return Contact.objects.filter(pk=pack.contact_id)
    family = Contact.objects.filter(family_id=pack.family_id)
    return family.order_by("first_name", "last_name", "pk")


def redeemable_occurrences(
    pack: Pack, *, start: datetime.date, today: datetime.date | None = None
) -> QuerySet[Occurrence]:
    """The occurrences `pack` can be redeemed for in the 2 weeks from `start`: not started,
    not cancelled, with an opening, of the pass's type (any type if it has none), within its
    validity and the 13-month window. In time order, with what a row shows."""
    today = today or local_today()
    first = max(start, today, pack.valid_from)
    last = min(start + datetime.timedelta(days=REDEEM_DAYS - 1), window_end(today))
    if pack.valid_until is not None:
        last = min(last, pack.valid_until)
    rows = Occurrence.objects.filter(
        date__gte=first,
        date__lte=last,
        starts_at__gt=timezone.now(),
        cancelled=False,
        taken__lt=F("capacity"),
        timeslot__archived=False,
    )
    if pack.appointment_type_id:
        rows = rows.filter(timeslot__appointment_type_id=pack.appointment_type_id)
    return rows.select_related(
        "timeslot", "timeslot__appointment_type", "timeslot__staff"
    ).order_by("starts_at", "pk")
