"""Reads of the backdating pages: Unused Sessions, an order's sessions, the booking calendar's
consultants, weeks and free timeslots. Each a fixed number of queries whatever the rows."""

import datetime
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet

from appointments.models import Occurrence, Pack
from appointments.recurrence import local_today
from appointments.states import PackKind
from contacts.selectors import search_terms
from core.audit import Actor
from core.models import AuditEvent

from . import rules
from .models import BackdateNotice, OrderSession

User = get_user_model()

_REFERENCE = re.compile(r"^\s*(?:hw)?\s*0*(\d{1,18})\s*$", re.IGNORECASE)
WEEKS_BACK = 52
WEEKS_AHEAD = 4


def unused_orders(text: str = "") -> QuerySet[Pack]:
    """Orders with at least one unbooked session, oldest order first (partial index
    `backdate_pack_unused`); `text` is an order number ("HW000123", "123") or the client's
    name (every term, as the contacts search)."""
    qs = (
        Pack.objects.filter(kind=PackKind.ORDER, used__lt=F("size"))
        .select_related("contact", "family", "appointment_type")
        .order_by("created_at", "pk")
    )
    text = (text or "").strip()
    if not text:
        return qs
    number = _REFERENCE.match(text)
    if number and text.lower().startswith("hw"):
        return qs.filter(pk=int(number.group(1)))
    match = Q()
    for term in search_terms(text):
        match &= Q(contact__search_text__contains=term)
    if number:  # digits alone: the order number, or a client's mobile
        match = Q(pk=int(number.group(1))) | match
    return qs.filter(match)


@dataclass
class SessionRow:
    number: int
    session: OrderSession | None

    @property
    def is_unallocated(self) -> bool:
        return self.session is None


def order_sessions(pack: Pack) -> list[SessionRow]:
    """Every session of the order, 1..size, with its booking when it has one (one query)."""
    booked = {
        s.number: s
        for s in OrderSession.objects.filter(pack=pack).select_related(
            "occurrence", "occurrence__timeslot", "occurrence__timeslot__staff"
        )
    }
    return [SessionRow(n, booked.get(n)) for n in range(1, pack.size + 1)]


def order_history(pack: Pack, *, limit: int = 100) -> list[AuditEvent]:
    """Who did what to the order's sessions, when and why, newest first (one query)."""
    return list(AuditEvent.objects.for_object(pack).order_by("-at", "-pk")[:limit])


def order_for_page(pk: int) -> Pack | None:
    return (
        Pack.objects.filter(pk=pk, kind=PackKind.ORDER)
        .select_related("contact", "family", "appointment_type")
        .prefetch_related("attendees")
        .first()
    )


def consultants(actor: Actor) -> list:
    """The staff with timeslots that `actor` may book into, by name."""
    qs = User.objects.filter(timeslots__archived=False, is_active=True).distinct()
    allowed = rules.consultant_ids(actor)
    if allowed is not None:
        qs = qs.filter(pk__in=allowed)
    return list(
        qs.order_by("first_name", "last_name", "pk").only(
            "pk", "first_name", "last_name", "username"
        )
    )


def weeks(actor: Actor, today: datetime.date | None = None) -> list[tuple[datetime.date, str]]:
    """The "Dates" choices: weeks (Monday first), newest first; a team leader's only those
    touching the current and previous month."""
    today = today or local_today()
    this_monday = today - datetime.timedelta(days=today.weekday())
    first = this_monday - datetime.timedelta(weeks=WEEKS_BACK)
    last = this_monday + datetime.timedelta(weeks=WEEKS_AHEAD)
    window = rules.date_window(actor)
    if window is not None:
        first = max(first, window[0] - datetime.timedelta(days=window[0].weekday()))
        last = min(last, window[1])
    out = []
    monday = last - datetime.timedelta(days=last.weekday())
    while monday >= first:
        sunday = monday + datetime.timedelta(days=6)
        out.append((monday, f"{monday:%a %d %b %Y} – {sunday:%a %d %b %Y}"))
        monday -= datetime.timedelta(weeks=1)
    return out


def available_occurrences(
    actor: Actor, *, pack: Pack, consultant_id: int, week: datetime.date
) -> list[Occurrence]:
    """The consultant's free occurrences in the week of `week` (past ones included) that a
    session of `pack` can be booked into: the order's service, places for all its attendees,
    the order valid that day, and the dates `actor` may backdate into. One query."""
    start, end = week, week + datetime.timedelta(days=6)
    window = rules.date_window(actor)
    if window is not None:
        start, end = max(start, window[0]), min(end, window[1])
    start = max(start, pack.valid_from)
    if pack.valid_until is not None:
        end = min(end, pack.valid_until)
    if start > end:
        return []
    attendees = 1 + sum(1 for c in pack.attendees.all() if c.pk != pack.contact_id)
    qs = Occurrence.objects.filter(
        timeslot__staff_id=consultant_id,
        timeslot__archived=False,
        date__gte=start,
        date__lte=end,
        cancelled=False,
        taken__lte=F("capacity") - attendees,
    )
    if pack.appointment_type_id:
        qs = qs.filter(timeslot__appointment_type_id=pack.appointment_type_id)
    return list(
        qs.select_related("timeslot", "timeslot__appointment_type").order_by("starts_at", "pk")
    )


def notices_for(user, *, limit: int = 5) -> list[BackdateNotice]:
    """The newest notices of sessions added to `user`'s past timeslots (home page panel)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(BackdateNotice.objects.filter(provider=user).select_related("pack")[:limit])
