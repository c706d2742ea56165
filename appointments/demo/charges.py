"""Demo tuition charges (called by `appointments.demo.seed`): two weekly lesson bookings for
next month, one charged from its booking ("New Charge"), the other by a bulk run, so the
booking's charges panel, the "Tuition charges" page and a run's page all have something to
show. Made through the real services; skipped when the demo has no families or staff."""

import datetime
from decimal import Decimal

from django.contrib.auth.models import User

from contacts.models import Contact

from ..models import AppointmentType, PricingSchedule, TuitionCharge
from ..recurrence import local_today
from ..services import book, charge_run_preview, charge_run_start, timeslot_create, tuition_charge
from ..states import BookingFrequency, Frequency, PricingBasis


def seed_charges(*, stdout=None) -> dict[str, int]:
    if TuitionCharge.objects.exists():
        return {}
    admin = User.objects.filter(username="admin").first()
    staff = User.objects.filter(username="trainer").first() or admin
    students = list(Contact.objects.filter(family__isnull=False).order_by("pk")[:1]) + list(
        Contact.objects.filter(family__isnull=True).order_by("pk")[:1]
    )
    if admin is None or len(students) < 2:
        return {}
    first = (local_today().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    pricing = PricingSchedule.objects.create(
        name="Demo lesson rate", basis=PricingBasis.PER_LESSON, amount=Decimal("25.00")
    )
    kind, _ = AppointmentType.objects.get_or_create(
        name="Demo tuition lesson", defaults={"pricing_schedule": pricing}
    )
    slot = timeslot_create(
        actor=admin,
        staff=staff,
        appointment_type=kind,
        frequency=Frequency.WEEKLY,
        weekdays=(0, 2, 4),
        start_date=first,
        start_time=datetime.time(17, 0),
        capacity=2,
    )
    bookings = [
        book(
            actor=admin,
            student=student,
            timeslot=slot,
            frequency=BookingFrequency.RECURRING,
            start_date=first,
            end_date=first + datetime.timedelta(days=27),
        )
        for student in students
    ]
    tuition_charge(actor=admin, booking=bookings[0], period_start=first)
    run = charge_run_preview(actor=admin, period_start=first, category="Tuition")
    charge_run_start(actor=admin, run=run, booking_ids=run.booking_ids)
    return {"appointment charges": TuitionCharge.objects.count()}
