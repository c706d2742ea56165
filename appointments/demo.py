"""Demo data of this app (`seed`, called by `manage.py demo_data` after the core demo):
a few appointment types and staff timeslots, and bookings made through the real service."""

import datetime
from decimal import Decimal

from django.contrib.auth.models import User

from contacts.models import Family
from core.errors import DomainError

from .models import AppointmentType, PricingSchedule, Timeslot
from .recurrence import local_today
from .services import appointment_book, timeslot_create
from .states import BookingFrequency, Frequency, PricingBasis


def seed(*, stdout=None) -> dict[str, int]:
    if Timeslot.objects.exists():
        return {}
    admin = User.objects.get(username="admin")
    staff = list(User.objects.filter(username__in=["trainer", "trainer2"]).order_by("username"))
    if not staff:
        return {}
    lesson = PricingSchedule.objects.create(
        name="Private lesson", basis=PricingBasis.PER_LESSON, amount=Decimal("30.00")
    )
    group = PricingSchedule.objects.create(
        name="Group class, monthly", basis=PricingBasis.PER_MONTH, amount=Decimal("60.00")
    )
    PricingSchedule.objects.create(
        name="Ten-lesson package", basis=PricingBasis.PER_PACKAGE, amount=Decimal("270.00"),
        lessons=10,
    )  # fmt: skip
    piano = AppointmentType.objects.create(
        name="Piano lesson (30 min)", duration_minutes=30, capacity=1, pricing_schedule=lesson
    )
    guitar = AppointmentType.objects.create(
        name="Group guitar (60 min)", duration_minutes=60, capacity=4, pricing_schedule=group
    )
    today = local_today()
    monday = today - datetime.timedelta(days=today.weekday())
    slots = [
        timeslot_create(
            actor=admin, staff=staff[0], appointment_type=piano, frequency=Frequency.WEEKLY,
            weekdays=[0, 2], start_date=monday, start_time=datetime.time(16, 0),
            location="Room 2",
        ),
        timeslot_create(
            actor=admin, staff=staff[-1], appointment_type=guitar, frequency=Frequency.WEEKLY,
            weekdays=[1, 3], start_date=monday, start_time=datetime.time(17, 0),
            location="Studio",
        ),
        timeslot_create(
            actor=admin, staff=staff[0], appointment_type=piano, frequency=Frequency.ONE_TIME,
            start_date=today + datetime.timedelta(days=3), start_time=datetime.time(10, 0),
        ),
    ]  # fmt: skip
    families = [f for f in Family.objects.order_by("pk")[:5] if f.students.exists()]
    made = 0
    for n, family in enumerate(families[:3]):
        student = family.students.order_by("pk").first()
        try:
            appointment_book(
                actor=admin,
                student=student,
                timeslot=slots[n % 2],
                frequency=BookingFrequency.RECURRING,
                start_date=today + datetime.timedelta(days=1),
                end_date=today + datetime.timedelta(days=90),
            )
            made += 1
        except DomainError:
            continue
    return {"appointment timeslots": len(slots), "appointment bookings": made}
