"""Test factories of the appointments app (the one place; other apps' tests import them)."""

import datetime
from decimal import Decimal

import factory

from appointments.models import AppointmentType, Pack, PricingSchedule
from appointments.services import timeslot_create
from appointments.states import Frequency, PackKind, PricingBasis
from core.roles import Role
from tests.conftest import make_user
from tests.contacts.factories import ContactFactory, FamilyFactory  # noqa: F401


class PricingScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PricingSchedule

    name = factory.Sequence(lambda n: f"Lesson rate {n}")
    basis = PricingBasis.PER_LESSON
    amount = Decimal("25.00")
    vat_rate = Decimal("0.2000")


class AppointmentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentType

    name = factory.Sequence(lambda n: f"Piano lesson {n}")
    duration_minutes = 30
    capacity = 1
    pricing_schedule = factory.SubFactory(PricingScheduleFactory)


class PackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pack

    kind = PackKind.PUNCH_PASS
    family = factory.SubFactory(FamilyFactory)
    size = 5
    valid_from = datetime.date(2020, 1, 1)


_staff_seq = iter(range(10**6))


def staff_member(first_name: str = "Grace", **extra):
    n = next(_staff_seq)
    return make_user(
        f"staff{n}", Role.PROVIDER, first_name=first_name, last_name=f"Staff{n}", **extra
    )


def timeslot(
    actor,
    *,
    staff=None,
    appointment_type=None,
    frequency=Frequency.WEEKLY,
    weekdays=(0,),
    start_date=datetime.date(2027, 1, 4),
    start_time=datetime.time(16, 0),
    end_time=None,
    end_date=None,
    capacity=None,
    today=None,
    **extra,
):
    """A timeslot made through the service (so its occurrences exist), by default Mondays
    16:00-16:30 from Mon 4 Jan 2027."""
    return timeslot_create(
        actor=actor,
        staff=staff or staff_member(),
        appointment_type=appointment_type or AppointmentTypeFactory(),
        frequency=frequency,
        weekdays=weekdays,
        start_date=start_date,
        start_time=start_time,
        end_time=end_time,
        end_date=end_date,
        capacity=capacity,
        today=today,
        **extra,
    )
