"""Every write of the backdating workflow (seed 001, SPEC 6).

`session_book` books one session of an order into a consultant's occurrence (past ones
included) for every attendee of the service at once, using ONE session of the order;
`session_mark` records the attendance ("Pending", "Attended", "Absent", "Cancelled") for all
of them, and cancels with or without penalty. Both check who may in `rules`, run in one
transaction and write the order's history.

Lock order (the appointments app's, extended): order session row -> occurrences (by pk) ->
pack -> bookings. The booking itself is `appointments.services.book` (source "Backdated",
`include_past=True`), which takes the seats and the pack's use.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone

from appointments.models import AppointmentBooking, Occurrence, Pack, Seat
from appointments.services import book, pack_give_back
from appointments.states import (
    ATTENDANCE_STATES,
    BOOKING_STATES,
    AttendanceStatus,
    BookingFrequency,
    BookingSource,
    BookingStatus,
    SeatState,
)
from contacts.models import Contact
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.text import bounded
from core.transactions import service_atomic
from notifications.services import email_queue

from . import rules
from .emails import SESSION_BACKDATED
from .models import BackdateNotice, OrderSession, SessionState

FINAL_MESSAGE = "Once a session has been marked as Attended no more changes can be made to it."


def _day(d: datetime.date) -> str:
    return f"{d:%a %d %b %Y}"


def occurrence_label(occurrence: Occurrence) -> str:
    return f"{_day(occurrence.date)} {occurrence.local_start:%H:%M}–{occurrence.local_end:%H:%M}"


def _name(person) -> str:
    if isinstance(person, Contact):
        return f"{person.first_name} {person.last_name}".strip()
    return person.get_full_name() or person.get_username()


def order_attendees(pack: Pack) -> list[Contact]:
    """Who a session of the order is for: the client (holder) first, then the other attendees
    of a multi-attendee service."""
    people = [pack.contact] if pack.contact_id else []
    people += [c for c in pack.attendees.all() if c.pk != pack.contact_id]
    return people


def _refuse_invalid_order(pack: Pack, day: datetime.date) -> None:
    """A backdated session uses the order valid on its date: say which one that is."""
    if pack.valid_on(day):
        return
    other = (
        Pack.objects.filter(
            kind=pack.kind,
            contact_id=pack.contact_id,
            appointment_type_id=pack.appointment_type_id,
            valid_from__lte=day,
            used__lt=F("size"),
        )
        .exclude(pk=pack.pk)
        .exclude(valid_until__lt=day)
        .order_by("valid_from", "pk")
        .first()
    )
    hint = f" {other.reference} was: book the session from that order." if other else ""
    raise DomainError(f"{pack.reference} was not valid on {_day(day)}.{hint}", field="occurrence")


def session_book(
    *,
    actor: Actor,
    pack: Pack,
    number: int,
    occurrence: Occurrence,
) -> OrderSession:
    """Book session `number` of the order `pack` into `occurrence` for all its attendees
    ("Confirm Booking Times"). A past occurrence makes it a backdated session: the consultant
    is told once (a notice on their home page and an email); the client is not emailed."""
    if not rules.may_backdate(actor):
        raise PermissionDenied
    occurrence = (
        Occurrence.objects.select_related(
            "timeslot", "timeslot__staff", "timeslot__appointment_type"
        )
        .filter(pk=occurrence.pk)
        .first()
    )
    if occurrence is None:
        raise DomainError("That timeslot no longer exists: choose again.", field="occurrence")
    rules.check_occurrence(actor, occurrence)
    if not pack.is_order:
        raise DomainError(f"{pack.reference} is not an order of sessions.")
    if not 1 <= number <= pack.size:
        raise DomainError(f"{pack.reference} has sessions 1 to {pack.size}.")
    if OrderSession.objects.filter(pack=pack, number=number).exists():
        raise DomainError(f"Session {number} of {pack.reference} is already booked.")
    if occurrence.cancelled:
        raise DomainError("That timeslot was cancelled: choose another.", field="occurrence")
    _refuse_invalid_order(pack, occurrence.date)
    people = order_attendees(pack)
    if not people:
        raise DomainError(f"{pack.reference} has no client to book.")
    timeslot = occurrence.timeslot
    backdated = occurrence.starts_at <= timezone.now()
    when = occurrence_label(occurrence)
    names = ", ".join(_name(p) for p in people)
    try:
        with service_atomic():
            bookings = []
            for i, person in enumerate(people):
                bookings.append(
                    book(
                        actor=actor,
                        student=person,
                        timeslot=timeslot,
                        frequency=BookingFrequency.NON_RECURRING,
                        start_date=occurrence.date,
                        dates=[occurrence.date],
                        source=BookingSource.BACKDATED,
                        pack=pack if i == 0 else None,  # one session of the order, for all
                        include_past=True,
                        history=f"Session {number} of {pack.reference} booked into {when}",
                    )
                )
            session = OrderSession.objects.create(
                pack=pack,
                number=number,
                occurrence=occurrence,
                backdated=backdated,
                booked_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            session.bookings.set(bookings)
            audit_record(
                actor=actor,
                target=pack,
                action="backdate.book",
                summary=(
                    f"Session {number} booked: {timeslot.appointment_type.name} with "
                    f"{timeslot.staff_name}, {when}, for {names}"
                    + (" (backdated)" if backdated else "")
                ),
                data={"session": number, "occurrence": occurrence.pk},
            )
            if backdated:
                _notify_consultant(actor=actor, session=session, names=names, when=when)
    except IntegrityError as error:  # a second booking of the same session at the same time
        raise DomainError(f"Session {number} of {pack.reference} is already booked.") from error
    return session


def _email_of(user) -> str:
    try:
        validate_email(user.email or "")
    except ValidationError:
        return ""
    return user.email


def _notify_consultant(*, actor: Actor, session: OrderSession, names: str, when: str) -> None:
    """Once per backdated session: a notice for the consultant's home page and an email."""
    occurrence = session.occurrence
    consultant = occurrence.timeslot.staff
    service = occurrence.timeslot.appointment_type.name
    BackdateNotice.objects.create(
        provider=consultant,
        session=session,
        pack=session.pack,
        occurrence=occurrence,
        summary=f"{service} on {when} for {names} ({session.pack.reference})"[:300],
    )
    address = _email_of(consultant)
    if address:
        email_queue(
            to=address,
            template_key=SESSION_BACKDATED,
            context={
                "consultant_name": _name(consultant),
                "order": session.pack.reference,
                "session_number": session.number,
                "service": service,
                "attendees": names,
                "when": when,
                "booked_by": _name(actor) if actor is not None else "The system",
                "seller_name": settings.SELLER["name"],
            },
            about=[session.pack],
            actor=actor,
        )


def lock_session(session: OrderSession) -> OrderSession:
    locked = (
        OrderSession.objects.select_for_update(of=("self",))
        .select_related(
            "pack",
            "occurrence",
            "occurrence__timeslot",
            "occurrence__timeslot__staff",
            "occurrence__timeslot__appointment_type",
        )
        .filter(pk=session.pk)
        .first()
    )
    if locked is None:
        raise DomainError("This session is no longer booked.")
    return locked


def session_mark(
    *,
    actor: Actor,
    session: OrderSession,
    attendance: str,
    penalty: bool | None = None,
    reason: str = "",
) -> OrderSession | None:
    """ "Confirm Attendance": set the session's attendance for all its attendees. Attended is
    final. "Cancelled" (Team leaders and Admins) needs `penalty`: with penalty the session is
    used up; without, it returns to Unallocated (the order's use is given back, the row goes:
    None is returned)."""
    if not rules.may_backdate(actor):
        raise PermissionDenied
    if attendance not in AttendanceStatus.values:
        raise DomainError("Choose Pending, Attended, Absent or Cancelled.", field="attendance")
    reason = bounded(reason, field="reason", label="Reason")
    with service_atomic():
        session = lock_session(session)
        occurrence = session.occurrence
        rules.check_occurrence(actor, occurrence)
        pack = session.pack
        if session.is_penalty:
            raise DomainError(
                "This session was cancelled with penalty: no more changes can be made to it."
            )
        if ATTENDANCE_STATES.is_final(session.attendance):
            raise DomainError(FINAL_MESSAGE)
        before = ATTENDANCE_STATES.label(session.attendance)
        what = f"Session {session.number} ({occurrence_label(occurrence)})"
        if attendance == AttendanceStatus.CANCELLED:
            return _cancel(actor, session, penalty=penalty, reason=reason, what=what)
        if attendance != session.attendance:
            ATTENDANCE_STATES.check(session.attendance, attendance, field="attendance")
            if attendance != AttendanceStatus.PENDING and occurrence.starts_at > timezone.now():
                raise DomainError(
                    f"{what} has not taken place yet: it can be marked "
                    f"{ATTENDANCE_STATES.label(attendance)} once it has started.",
                    field="attendance",
                )
        Seat.objects.filter(
            booking__in=session.bookings.all(), occurrence=occurrence, state=SeatState.BOOKED
        ).update(attendance=attendance)
        OrderSession.objects.filter(pk=session.pk).update(attendance=attendance)
        session.attendance = attendance
        label = ATTENDANCE_STATES.label(attendance)
        audit_record(
            actor=actor,
            target=pack,
            action="backdate.attendance",
            summary=(
                f"{what}: attendance {before} -> {label}"
                if before != label
                else f"{what}: attendance confirmed as {label}"
            ),
            reason=reason,
            data={"session": session.number},
        )
    return session


def _cancel(
    actor: Actor, session: OrderSession, *, penalty: bool | None, reason: str, what: str
) -> OrderSession | None:
    if not rules.may_cancel(actor):
        raise DomainError("Only Team leaders and Admins can cancel a session.", field="attendance")
    if penalty is None:
        raise DomainError(
            "Choose whether the session is cancelled with or without penalty.", field="penalty"
        )
    ATTENDANCE_STATES.check(session.attendance, AttendanceStatus.CANCELLED, field="attendance")
    occurrence = session.occurrence
    bookings = list(session.bookings.all().order_by("pk"))
    seats = Seat.objects.filter(booking__in=bookings, occurrence=occurrence, state=SeatState.BOOKED)
    n = seats.update(state=SeatState.CANCELLED, attendance=AttendanceStatus.CANCELLED)
    if n:
        list(Occurrence.objects.select_for_update().filter(pk=occurrence.pk).values("pk"))
        Occurrence.objects.filter(pk=occurrence.pk).update(taken=F("taken") - n)
    for booking in bookings:
        BOOKING_STATES.check(booking.status, BookingStatus.CANCELLED)
    if penalty:
        OrderSession.objects.filter(pk=session.pk).update(
            state=SessionState.PENALTY, attendance=AttendanceStatus.CANCELLED
        )
        session.state, session.attendance = SessionState.PENALTY, AttendanceStatus.CANCELLED
    else:
        pack_give_back(session.pack)
    AppointmentBooking.objects.filter(pk__in=[b.pk for b in bookings]).update(
        status=BookingStatus.CANCELLED
    )
    audit_record(
        actor=actor,
        target=session.pack,
        action="backdate.cancel",
        summary=(
            f"{what} cancelled with penalty: the session is used up"
            if penalty
            else f"{what} cancelled without penalty: the session is Unallocated again"
        ),
        reason=reason,
        data={"session": session.number, "penalty": bool(penalty)},
    )
    if penalty:
        return session
    session.bookings.clear()
    OrderSession.objects.filter(pk=session.pk).delete()
    return None
