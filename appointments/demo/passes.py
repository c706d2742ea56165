"""Demo punch passes (seed 002, way 3), made through the real services: a weekday timeslot to
redeem them for (unless the demo has timeslots already), a pass for each of the first
families, one of them sold (with its invoice) and one punch redeemed."""

import datetime
from contextlib import suppress
from decimal import Decimal

from django.contrib.auth.models import User

from contacts.models import Family
from core.errors import DomainError

from ..models import AppointmentType, Pack, PricingSchedule, Timeslot
from ..recurrence import local_today
from ..selectors.passes import redeemable_occurrences
from ..services import punch_pass_add, punch_pass_redeem, timeslot_create
from ..states import Frequency, PricingBasis


def _timeslot(admin: User, today: datetime.date) -> Timeslot:
    existing = Timeslot.objects.filter(archived=False).order_by("pk").first()
    if existing is not None:
        return existing
    pricing = PricingSchedule.objects.create(
        name="Private lesson, per lesson", basis=PricingBasis.PER_LESSON, amount=Decimal("30.00")
    )
    kind = AppointmentType.objects.create(
        name="Private piano lesson", duration_minutes=30, capacity=1, pricing_schedule=pricing
    )
    return timeslot_create(
        actor=admin,
        staff=User.objects.get(username="trainer"),
        appointment_type=kind,
        frequency=Frequency.WEEKLY,
        weekdays=[0, 1, 2, 3, 4],
        start_date=today,
        start_time=datetime.time(16, 0),
        location="Music room",
    )


def seed(*, stdout=None) -> dict[str, int]:
    if Pack.objects.exists():
        return {}
    admin = User.objects.get(username="admin")
    families = [f for f in Family.objects.order_by("name", "pk")[:4] if f.students.exists()]
    if not families:
        return {}
    today = local_today()
    slot = _timeslot(admin, today)
    made = 0
    for n, family in enumerate(families):
        pack = punch_pass_add(
            actor=admin,
            family=family,
            size=10 if n % 2 == 0 else 5,
            appointment_type=slot.appointment_type if n == 1 else None,
            valid_from=today - datetime.timedelta(days=30),
            valid_until=today + datetime.timedelta(days=180),
            price=Decimal("250.00") if n == 0 else None,
        )
        made += 1
        if n == 0:
            first = redeemable_occurrences(pack, start=today).first()
            if first is not None:
                with suppress(DomainError):  # the demo does not need the booking
                    punch_pass_redeem(
                        actor=admin, pack=pack, occurrence=first, student=family.students.first()
                    )
    return {"punch passes": made}
