"""Demo data of this app: the music school side of the demo company (SPEC 8).

Called by `manage.py demo_data` after the core, bookings and invoicing demo. Two teachers with
demo logins (Elena Rossi, piano; Marcus Reid, guitar and theory: core/demo.py lists them),
their appointment types and pricing schedules, weekly timeslots that began four weeks ago
(so there is a past to see and backdate) and a one-time workshop; the demo families'
children booked recurring and single lessons, and punch passes with punches used. All of it
through the services, so the history reads as if the office had done it. Relative to today;
loaded once (nothing is added when appointment types exist).
"""

import datetime
from decimal import Decimal

from django.contrib.auth.models import User

from contacts.models import Contact, Family
from core.errors import DomainError

from ..models import AppointmentBooking, AppointmentType, Pack
from ..recurrence import local_today
from ..services import (
    appointment_book,
    appointment_type_create,
    book,
    pricing_schedule_create,
    timeslot_create,
)
from ..states import BookingFrequency, BookingSource, Frequency, PackKind, PricingBasis
from . import passes as demo_passes
from .charges import seed_charges
from .invitations import seed_invitations

R, NR = BookingFrequency.RECURRING, BookingFrequency.NON_RECURRING
MON, TUE, WED, THU, FRI, SAT = range(6)


def _next(weekday: int, after: datetime.date, weeks: int = 0) -> datetime.date:
    """The first `weekday` after `after` (never `after` itself), `weeks` later."""
    days = (weekday - after.weekday() - 1) % 7 + 1
    return after + datetime.timedelta(days=days, weeks=weeks)


def seed(*, stdout=None) -> dict[str, int]:
    counts = _seed_school(stdout=stdout)
    return {
        **counts,
        **demo_passes.seed(stdout=stdout),
        **seed_invitations(stdout=stdout),
        **seed_charges(stdout=stdout),
    }


def _seed_school(*, stdout=None) -> dict[str, int]:
    admin = User.objects.filter(username="admin").first()
    piano = User.objects.filter(username="piano").first()
    guitar = User.objects.filter(username="guitar").first()
    if admin is None or piano is None or guitar is None or AppointmentType.objects.exists():
        return {}
    today = local_today()
    term_start = today - datetime.timedelta(days=today.weekday() + 28)  # a Monday

    # Pricing schedules and appointment types.
    per_lesson = pricing_schedule_create(
        actor=admin, name="Piano lesson (per lesson)", basis=PricingBasis.PER_LESSON,
        amount=Decimal("28.00"),
    )  # fmt: skip
    pricing_schedule_create(
        actor=admin, name="Piano lesson, 60 min (per lesson)", basis=PricingBasis.PER_LESSON,
        amount=Decimal("52.00"),
    )  # fmt: skip
    monthly = pricing_schedule_create(
        actor=admin, name="Group class (per month)", basis=PricingBasis.PER_MONTH,
        amount=Decimal("60.00"),
    )  # fmt: skip
    pricing_schedule_create(
        actor=admin, name="Package of 10 lessons", basis=PricingBasis.PER_PACKAGE,
        amount=Decimal("250.00"), lessons=10,
    )  # fmt: skip
    workshop_rate = pricing_schedule_create(
        actor=admin, name="Workshop (per session)", basis=PricingBasis.PER_LESSON,
        amount=Decimal("35.00"),
    )  # fmt: skip
    piano_30 = appointment_type_create(
        actor=admin, name="Private piano lesson (30 min)", duration_minutes=30, capacity=1,
        pricing_schedule=per_lesson,
    )  # fmt: skip
    guitar_group = appointment_type_create(
        actor=admin, name="Group guitar class", duration_minutes=60, capacity=6,
        pricing_schedule=monthly,
    )  # fmt: skip
    theory = appointment_type_create(
        actor=admin, name="Music theory group", duration_minutes=45, capacity=4,
        pricing_schedule=monthly,
    )  # fmt: skip
    duet = appointment_type_create(
        actor=admin, name="2 on 1 singing lesson", duration_minutes=45, capacity=1,
        attendees=2, pricing_schedule=per_lesson,
    )  # fmt: skip
    workshop = appointment_type_create(
        actor=admin, name="Guitar workshop", duration_minutes=120, capacity=8,
        pricing_schedule=workshop_rate,
    )  # fmt: skip

    # Timeslots: weekly since the start of term, and a one-time workshop.
    def weekly(staff, kind, days, start, end, **extra):
        return timeslot_create(
            actor=admin, staff=staff, appointment_type=kind, frequency=Frequency.WEEKLY,
            weekdays=days, start_date=term_start, start_time=start, end_time=end, **extra,
        )  # fmt: skip

    t = datetime.time
    piano_early = weekly(piano, piano_30, [MON, WED], t(16, 0), t(16, 30), location="Studio 1")
    piano_late = weekly(piano, piano_30, [MON, WED], t(16, 30), t(17, 0), location="Studio 1")
    piano_sat = weekly(piano, piano_30, [SAT], t(10, 0), t(10, 30), location="Studio 1")
    singing = weekly(piano, duet, [FRI], t(17, 0), t(17, 45), location="Studio 1")
    guitar_tue = weekly(guitar, guitar_group, [TUE], t(18, 0), t(19, 0), location="Studio 2")
    guitar_thu = weekly(
        guitar, guitar_group, [THU], t(18, 0), t(19, 0), location="Studio 2",
        end_date=today + datetime.timedelta(weeks=12),
    )  # fmt: skip
    theory_sat = weekly(guitar, theory, [SAT], t(11, 0), t(11, 45), location="Studio 2")
    timeslots = [piano_early, piano_late, piano_sat, singing, guitar_tue, guitar_thu, theory_sat]
    workshop_slot = timeslot_create(
        actor=admin, staff=guitar, appointment_type=workshop, frequency=Frequency.ONE_TIME,
        start_date=_next(SAT, today, weeks=2), start_time=t(14, 0), end_time=t(16, 0),
        location="Main hall",
    )  # fmt: skip
    timeslots.append(workshop_slot)

    families = list(Family.objects.order_by("pk"))
    children = list(Contact.objects.filter(family__isnull=False).order_by("family_id", "pk"))
    made: list[AppointmentBooking] = []

    def try_book(fn, **kwargs) -> AppointmentBooking | None:
        try:
            booking = fn(actor=admin, **kwargs)
        except DomainError:
            return None  # a clash the demo does not need: skip it
        made.append(booking)
        return booking

    # Recurring lessons since the start of term (their past dates included), open-ended or to
    # the end of term, and single lessons ahead.
    term_end = today + datetime.timedelta(weeks=10)
    plan = [
        (piano_early, [MON], None),
        (piano_early, [WED], term_end),
        (piano_late, [MON, WED], term_end),
        (guitar_tue, [], None),
        (guitar_tue, [], None),
        (guitar_tue, [], term_end),
        (guitar_tue, [], None),
        (guitar_thu, [], None),
        (guitar_thu, [], None),
        (theory_sat, [], None),
        (theory_sat, [], term_end),
    ]
    for student, (slot, days, end) in zip(children, plan, strict=False):
        try_book(
            book, student=student, timeslot=slot, frequency=R, start_date=term_start,
            end_date=end, weekdays=days, include_past=True, send_email=False,
        )  # fmt: skip
    for n, student in enumerate(children[len(plan) : len(plan) + 4]):
        try_book(
            appointment_book, student=student, timeslot=piano_sat, frequency=NR,
            start_date=_next(SAT, today, weeks=n), send_email=True,
        )  # fmt: skip
    for student in children[3:8]:
        try_book(
            appointment_book, student=student, timeslot=workshop_slot, frequency=NR,
            start_date=workshop_slot.start_date,
        )  # fmt: skip

    # Punch passes: one with punches used, one used up, one new; and an order of 2 on 1
    # singing sessions (seed 001) for two friends.
    passes, week = [], 4  # Saturdays after the single lessons above
    for family, size, use in zip(families[1:4], (10, 5, 10), (3, 5, 0), strict=False):
        pack = Pack.objects.create(
            kind=PackKind.PUNCH_PASS, family=family, appointment_type=piano_30, size=size,
            valid_from=term_start, valid_until=term_start + datetime.timedelta(days=365),
            notes="Demo punch pass", created_by=admin,
        )  # fmt: skip
        passes.append(pack)
        student = next((c for c in children if c.family_id == family.pk), None)
        for _ in range(use if student else 0):
            try_book(
                book, student=student, timeslot=piano_sat, frequency=NR,
                start_date=_next(SAT, today, weeks=week), pack=pack,
                source=BookingSource.PUNCH_PASS,
            )  # fmt: skip
            week += 1
    adults = list(
        Contact.objects.filter(family__isnull=True, user__isnull=True)
        .exclude(email="")
        .order_by("-pk")[:2]
    )
    if len(adults) == 2:
        order = Pack.objects.create(
            kind=PackKind.ORDER, contact=adults[0], appointment_type=duet, size=6,
            valid_from=term_start, notes="Demo order of sessions", created_by=admin,
        )  # fmt: skip
        order.attendees.add(adults[1])
        passes.append(order)
        try_book(
            book, student=adults[0], timeslot=singing, frequency=NR,
            start_date=_next(FRI, today), pack=order, source=BookingSource.OFFICE,
        )  # fmt: skip

    counts = {
        "appointment types": AppointmentType.objects.count(),
        "timeslots": len(timeslots),
        "appointment bookings": len(made),
        "punch passes": sum(1 for p in passes if p.is_punch_pass),
        "orders": sum(1 for p in passes if p.is_order),
    }
    if stdout is not None:
        stdout.write(
            f"Demo appointments: {counts['appointment types']} appointment types, "
            f"{counts['timeslots']} timeslots, {counts['appointment bookings']} bookings, "
            f"{counts['punch passes']} punch passes, {counts['orders']} order of sessions.\n"
        )
    return counts
