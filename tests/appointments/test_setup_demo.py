"""The demo's music school: loads through the services, once."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from appointments import demo
from appointments.models import (
    AppointmentBooking,
    AppointmentType,
    Occurrence,
    Pack,
    PricingSchedule,
    Seat,
    Timeslot,
)
from appointments.states import BookingFrequency, BookingSource, PricingBasis
from core.audit import AuditEvent
from core.roles import Role

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (
            AppointmentType,
            PricingSchedule,
            Timeslot,
            Occurrence,
            AppointmentBooking,
            Seat,
            Pack,
        )
    }


def test_the_demo_is_a_lesson_provider_and_loads_once():
    out = StringIO()
    call_command("demo_data", stdout=out)
    text = out.getvalue()
    assert "Demo appointments:" in text
    for username in ("piano", "guitar"):
        assert username in text  # in the logins table
        user = User.objects.get(username=username)
        assert user.groups.filter(name=Role.PROVIDER).exists()
        assert Timeslot.objects.filter(staff=user).exists()

    piano = AppointmentType.objects.get(name="Private piano lesson (30 min)")
    assert piano.capacity == 1 and piano.duration_minutes == 30
    assert AppointmentType.objects.get(name="Group guitar class").capacity == 6
    bases = set(PricingSchedule.objects.values_list("basis", flat=True))
    assert bases == {PricingBasis.PER_LESSON, PricingBasis.PER_MONTH, PricingBasis.PER_PACKAGE}
    assert PricingSchedule.objects.get(basis=PricingBasis.PER_PACKAGE).lessons == 10
    assert Timeslot.objects.filter(frequency="one_time").count() == 1
    assert Timeslot.objects.filter(frequency="weekly").count() >= 6

    bookings = AppointmentBooking.objects.all()
    assert bookings.filter(frequency=BookingFrequency.RECURRING).count() >= 8
    assert bookings.filter(frequency=BookingFrequency.NON_RECURRING).count() >= 5
    assert bookings.filter(source=BookingSource.PUNCH_PASS).count() >= 5
    # the portal family has lessons; the group class has several students
    assert bookings.filter(student__family__user__username="family").exists()
    assert Occurrence.objects.filter(
        timeslot__appointment_type__name="Group guitar class", taken__gte=3
    ).exists()
    # punch passes with some used, one used up, never past their size
    used = sorted(Pack.objects.filter(kind="punch_pass").values_list("used", "size"))
    assert used == [(0, 10), (3, 10), (5, 5)]
    # every booking went through the service: each has its history
    assert AuditEvent.objects.filter(action="appointment.book").count() == bookings.count()

    before = snapshot()
    assert demo.seed() == {}  # the app's own seed adds nothing a second time
    again = StringIO()
    call_command("demo_data", stdout=again)
    assert "already loaded" in again.getvalue()
    assert snapshot() == before
