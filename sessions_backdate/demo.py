"""Demo data of this app (`seed`, called by `manage.py demo_data` after the core demo): a
health and fitness provider's services (one a "2 on 1"), consultants with demo logins (the
core demo's password), their timeslots over the past ten weeks and ahead, and orders of
sessions with unused sessions, a few already backdated (so the consultants have notices)."""

import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import F

from appointments.models import AppointmentType, Pack, PricingSchedule
from appointments.recurrence import local_today
from appointments.services import timeslot_create
from appointments.states import AttendanceStatus, Frequency, PackKind, PricingBasis
from contacts.models import Contact
from core import demo as core_demo
from core.roles import Role

from .services import session_book, session_mark

CONSULTANTS = [
    core_demo.Login("consultant", "Maya", "Brooks", Role.PROVIDER, "own sessions, backdating"),
    core_demo.Login("consultant2", "Leo", "Grant", Role.PROVIDER, "own sessions, backdating"),
]
SERVICES = [
    # name, minutes, attendees, price
    ("Personal Training Session", 60, 1, "45.00"),
    ("2 on 1 Personal Training Session", 60, 2, "70.00"),
    ("Sports Massage", 45, 1, "40.00"),
    ("Nutrition Consultation", 30, 1, "35.00"),
]
ORDERS = 14


def _services() -> list[AppointmentType]:
    out = []
    for name, minutes, attendees, price in SERVICES:
        pricing, _ = PricingSchedule.objects.get_or_create(
            name=f"{name} (per session)",
            defaults={"basis": PricingBasis.PER_LESSON, "amount": Decimal(price)},
        )
        service, _ = AppointmentType.objects.get_or_create(
            name=name,
            defaults={
                "duration_minutes": minutes,
                "attendees": attendees,
                "capacity": attendees,
                "pricing_schedule": pricing,
            },
        )
        out.append(service)
    return out


def _consultants() -> list[User]:
    people = []
    for login in CONSULTANTS:
        user = User.objects.filter(username=login.username).first() or core_demo._user(login)
        people.append(user)
    trainer = User.objects.filter(username="trainer").first()  # the core demo's provider
    return people + ([trainer] if trainer else [])


def seed(*, stdout=None) -> dict[str, int]:
    if User.objects.filter(username=CONSULTANTS[0].username).exists():
        return {}
    admin = User.objects.get(username=core_demo.MARKER_USERNAME)
    today = local_today()
    start = today - datetime.timedelta(days=70)
    services = _services()
    consultants = _consultants()
    slots = []
    for i, consultant in enumerate(consultants):
        for service, hour in zip(services, (9, 11, 14, 16), strict=True):
            if (i + services.index(service)) % 2:
                continue
            slots.append(
                timeslot_create(
                    actor=admin,
                    staff=consultant,
                    appointment_type=service,
                    frequency=Frequency.WEEKLY,
                    weekdays=[0, 1, 2, 3, 4],
                    start_date=start,
                    start_time=datetime.time(hour, 0),
                    capacity=service.attendees,
                    location="Studio 1" if i % 2 == 0 else "Studio 2",
                )
            )
    clients = list(Contact.objects.order_by("pk")[: ORDERS * 2])
    orders = []
    for n in range(ORDERS):
        service = services[n % len(services)]
        pack = Pack.objects.create(
            kind=PackKind.ORDER,
            contact=clients[n],
            appointment_type=service,
            size=(5, 10, 3)[n % 3],
            valid_from=today - datetime.timedelta(days=90),
            notes="Demo order",
            created_by=admin,
        )
        if service.is_multi_attendee:
            pack.attendees.set([clients[ORDERS + n]])
        orders.append(pack)
    # Oldest order first on "Unused Sessions": spread the order dates over the past months.
    for age, pack in enumerate(reversed(orders)):
        Pack.objects.filter(pk=pack.pk).update(
            created_at=F("created_at") - datetime.timedelta(days=3 * age + 1)
        )
    booked = _backdate_some(admin, orders, slots, today)
    if stdout is not None:
        stdout.write(
            "Backdating demo: consultant logins "
            + ", ".join(c.username for c in consultants)
            + f" (password {core_demo.PASSWORD}); {len(orders)} orders, {booked} sessions booked.\n"
        )
    return {"orders of sessions": len(orders), "backdated sessions": booked}


def _backdate_some(admin, orders, slots, today) -> int:
    """Two sessions of the first orders of each service, booked last week (so the consultants
    see notices), the first of each marked Attended."""
    booked = 0
    last_week = today - datetime.timedelta(days=today.weekday() + 7)
    for pack in orders[:4]:
        slot = next((s for s in slots if s.appointment_type_id == pack.appointment_type_id), None)
        if slot is None:
            continue
        occurrences = list(
            slot.occurrences.filter(date__gte=last_week, date__lt=today).order_by("date")[:2]
        )
        for number, occurrence in enumerate(occurrences, start=1):
            session = session_book(actor=admin, pack=pack, number=number, occurrence=occurrence)
            booked += 1
            if number == 1:
                session_mark(actor=admin, session=session, attendance=AttendanceStatus.ATTENDED)
    return booked
