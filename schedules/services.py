"""Every write to courses, venues, schedules and timetable sessions.

`Schedule.places_taken` is not written here: only the bookings services change it.
"""

from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import q
from core.text import bounded

from .models import Course, Schedule, TimetableSession, Venue


def _clean_code(code: str, field: str = "code") -> str:
    code = "".join((code or "").split()).upper()
    if len(code) > 20:
        raise DomainError("Use at most 20 characters.", field=field)
    return code


def _check_money(price: Decimal, vat_rate: Decimal) -> None:
    if price < 0:
        raise DomainError("The price cannot be negative.", field="price")
    if not (Decimal("0") <= vat_rate < Decimal("1")):
        raise DomainError("Give the VAT rate as a fraction, e.g. 0.2000 for 20%.", field="vat_rate")


def _description(text: str) -> str:
    return bounded((text or "").strip(), label="Description", field="description")


@transaction.atomic
def venue_create(*, actor: Actor, name: str, address: str = "") -> Venue:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Enter the venue name.", field="name")
    if Venue.objects.filter(name__iexact=name).exists():
        raise DomainError("A venue with this name already exists.", field="name")
    address = bounded((address or "").strip(), label="Address", field="address")
    venue = Venue.objects.create(name=name, address=address)
    audit_record(actor=actor, target=venue, action="venue.create", summary=venue.name)
    return venue


@transaction.atomic
def course_create(
    *,
    actor: Actor,
    code: str,
    title: str,
    default_price: Decimal,
    vat_rate: Decimal,
    description: str = "",
) -> Course:
    code = _clean_code(code)
    if not code:
        raise DomainError("Enter the course code.", field="code")
    if Course.objects.filter(code__iexact=code).exists():
        raise DomainError("Another course already has this code.", field="code")
    _check_money(default_price, vat_rate)
    course = Course.objects.create(
        code=code,
        title=" ".join(title.split()),
        default_price=q(default_price),
        vat_rate=vat_rate,
        description=_description(description),
    )
    audit_record(actor=actor, target=course, action="course.create", summary=str(course))
    return course


@transaction.atomic
def course_update(
    *,
    actor: Actor,
    course: Course,
    code: str,
    title: str,
    default_price: Decimal,
    vat_rate: Decimal,
    description: str = "",
) -> Course:
    """Changing a course's price does not change the price of its existing schedules."""
    locked = Course.objects.select_for_update().get(pk=course.pk)
    code = _clean_code(code)
    if not code:
        raise DomainError("Enter the course code.", field="code")
    if Course.objects.filter(code__iexact=code).exclude(pk=locked.pk).exists():
        raise DomainError("Another course already has this code.", field="code")
    _check_money(default_price, vat_rate)
    locked.code = code
    locked.title = " ".join(title.split())
    locked.default_price = q(default_price)
    locked.vat_rate = vat_rate
    locked.description = _description(description)
    locked.save()
    audit_record(actor=actor, target=locked, action="course.update", summary=f"Updated {locked}")
    return locked


def _next_code(course: Course, start_at: datetime) -> str:
    """A readable Schedule ID such as "FAW-250314", with "-2", "-3" when taken."""
    base = f"{course.code[:10]}-{timezone.localtime(start_at):%y%m%d}"
    taken = set(Schedule.objects.filter(code__startswith=base).values_list("code", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _check_times(start_at: datetime, end_at: datetime) -> None:
    if end_at <= start_at:
        raise DomainError("The schedule must end after it starts.", field="end_at")


@transaction.atomic
def schedule_create(
    *,
    actor: Actor,
    course: Course,
    start_at: datetime,
    end_at: datetime,
    capacity: int,
    venue: Venue | None = None,
    trainer: AbstractBaseUser | None = None,
    price: Decimal | None = None,
    vat_rate: Decimal | None = None,
    code: str = "",
) -> Schedule:
    """Price and VAT rate default from the course; the Schedule ID is generated when blank."""
    _check_times(start_at, end_at)
    if capacity < 1:
        raise DomainError("The capacity must be at least 1.", field="capacity")
    price = course.default_price if price is None else price
    vat_rate = course.vat_rate if vat_rate is None else vat_rate
    _check_money(price, vat_rate)
    code = _clean_code(code) or _next_code(course, start_at)
    if Schedule.objects.filter(code=code).exists():
        raise DomainError("Another schedule already has this Schedule ID.", field="code")
    try:
        with transaction.atomic():
            schedule = Schedule.objects.create(
                code=code,
                course=course,
                start_at=start_at,
                end_at=end_at,
                capacity=capacity,
                venue=venue,
                trainer=trainer,
                price=q(price),
                vat_rate=vat_rate,
            )
    except IntegrityError:  # the same Schedule ID created at the same moment
        raise DomainError("Another schedule already has this Schedule ID.", field="code") from None
    audit_record(actor=actor, target=schedule, action="schedule.create", summary=str(schedule))
    return schedule


# What a course booking's calendar event is made of (calendars.ical): a change re-pushes it.
CALENDAR_FIELDS = frozenset({"code", "start_at", "end_at", "venue", "trainer"})

SCHEDULE_FIELDS = (
    "code",
    "start_at",
    "end_at",
    "capacity",
    "venue",
    "trainer",
    "price",
    "vat_rate",
)


@transaction.atomic
def schedule_update(
    *,
    actor: Actor,
    schedule: Schedule,
    start_at: datetime,
    end_at: datetime,
    capacity: int,
    venue: Venue | None,
    trainer: AbstractBaseUser | None,
    price: Decimal | None,
    vat_rate: Decimal | None,
    code: str,
) -> Schedule:
    """Blank price or VAT rate: the course's, as when the schedule was created."""
    # Same lock as the bookings services take, so capacity cannot drop under a booking being
    # made at this moment.
    locked = (
        Schedule.objects.select_for_update(of=("self",))
        .select_related("course")
        .get(pk=schedule.pk)
    )
    price = locked.course.default_price if price is None else price
    vat_rate = locked.course.vat_rate if vat_rate is None else vat_rate
    _check_times(start_at, end_at)
    if capacity < max(locked.places_taken, 1):
        raise DomainError(
            f"The capacity cannot be less than the {locked.places_taken} places already taken.",
            field="capacity",
        )
    _check_money(price, vat_rate)
    code = _clean_code(code) or locked.code
    if Schedule.objects.filter(code=code).exclude(pk=locked.pk).exists():
        raise DomainError("Another schedule already has this Schedule ID.", field="code")
    before = {f: str(getattr(locked, f)) for f in SCHEDULE_FIELDS}
    locked.code = code
    locked.start_at = start_at
    locked.end_at = end_at
    locked.capacity = capacity
    locked.venue = venue
    locked.trainer = trainer
    locked.price = q(price)
    locked.vat_rate = vat_rate
    locked.save()
    changed = {
        f: [before[f], str(getattr(locked, f))]
        for f in SCHEDULE_FIELDS
        if before[f] != str(getattr(locked, f))
    }
    if changed:
        audit_record(
            actor=actor,
            target=locked,
            action="schedule.update",
            summary=f"Changed {', '.join(f.replace('_', ' ') for f in changed)}",
            data=changed,
        )
    if changed.keys() & CALENDAR_FIELDS:
        # Its bookings' calendar events changed (time, room or trainer's calendar): pushed
        # again after commit wherever a CalDAV calendar shows them. Imported here: calendars
        # reads bookings, which reads schedules.
        from calendars.services import schedule_changed

        schedule_changed(locked)
    return locked


@transaction.atomic
def session_add(
    *,
    actor: Actor,
    schedule: Schedule,
    date: date,
    start_time: time,
    end_time: time,
) -> TimetableSession:
    locked = Schedule.objects.select_for_update().get(pk=schedule.pk)
    if end_time <= start_time:
        raise DomainError("The session must end after it starts.", field="end_time")
    first = timezone.localtime(locked.start_at).date()
    last = timezone.localtime(locked.end_at).date()
    if not (first <= date <= last):
        raise DomainError(
            f"The session must be between {first:%d %b %Y} and {last:%d %b %Y}.", field="date"
        )
    if locked.sessions.filter(date=date, start_time=start_time).exists():
        raise DomainError("There is already a session at this date and time.", field="start_time")
    session = TimetableSession.objects.create(
        schedule=locked, date=date, start_time=start_time, end_time=end_time
    )
    audit_record(
        actor=actor,
        target=locked,
        action="schedule.session_add",
        summary=f"Added session {session}",
    )
    return session


def _session_attendance(session: TimetableSession):
    from bookings.models import Attendance  # bookings builds on schedules: read it lazily

    return Attendance.objects.filter(session=session).select_related("place__contact")


def session_removal_check(session: TimetableSession) -> tuple[str, list]:
    """(refusal, people booked): why the session cannot be removed ("" when it can) and
    the delegates who will be told. Used by the confirmation page and by the service."""
    from bookings.states import AttendanceStatus

    rows = list(_session_attendance(session))
    taken = [r for r in rows if r.status in (AttendanceStatus.ATTENDED, AttendanceStatus.ABSENT)]
    if taken:
        return (
            f"Attendance has been taken for this session ({len(taken)} "
            f"delegate{'s' if len(taken) != 1 else ''} marked), so it cannot be removed.",
            [],
        )
    booked = [
        r.place.contact
        for r in rows
        if r.status == AttendanceStatus.PENDING and r.place.contact is not None
    ]
    return "", booked


@transaction.atomic
def session_remove(*, actor: Actor, session: TimetableSession, reason: str = "") -> list:
    """Remove a timetable session. Refused once attendance has been taken on it; otherwise its
    pending attendance cells go with it and every delegate booked is emailed the change.
    Returns the people emailed."""
    from django.conf import settings

    from notifications.services import email_queue

    from . import emails

    locked = (
        Schedule.objects.select_for_update().select_related("course").get(pk=session.schedule_id)
    )
    refusal, booked = session_removal_check(session)
    if refusal:
        raise DomainError(refusal)
    label = str(session)
    reason = bounded((reason or "").strip(), label="Reason", field="reason")
    _session_attendance(session).delete()
    try:
        with transaction.atomic():
            session.delete()
    except (IntegrityError, ProtectedError, RestrictedError):
        raise DomainError("This session is still in use and cannot be removed.") from None
    remaining = [str(s) for s in locked.sessions.order_by("date", "start_time")]
    told = [c for c in booked if c.email]
    for contact in told:
        email_queue(
            to=contact.email,
            template_key=emails.SESSION_REMOVED,
            context={
                "delegate_name": contact.full_name,
                "course_title": locked.course.title,
                "schedule_code": locked.code,
                "session": label,
                "sessions": remaining,
                "reason": reason,
                "seller_name": settings.SELLER.get("name", ""),
            },
            about=[locked],
            actor=actor,
        )
    audit_record(
        actor=actor,
        target=locked,
        action="schedule.session_remove",
        summary=f"Removed {label}"
        + (f"; {len(told)} delegate{'s' if len(told) != 1 else ''} emailed" if told else ""),
        reason=reason,
        data={"notified": [c.pk for c in told]},
    )
    return told
