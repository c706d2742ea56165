"""PostgreSQL, real threads: a punch pass never goes below zero through `punch_pass_redeem`,
also when staff redeem its last punches at the same moment (for other dates and students)."""

import datetime

import pytest

from appointments.models import AppointmentBooking, Occurrence, Pack
from appointments.services import punch_pass_redeem

from .factories import AppointmentTypeFactory, ContactFactory, FamilyFactory, PackFactory, timeslot
from .test_concurrency import _race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _world(admin_user, *, size: int, students: int):
    family = FamilyFactory()
    pack = PackFactory(family=family, size=size)
    start = datetime.date.today() + datetime.timedelta(days=7)
    slot = timeslot(
        admin_user,
        appointment_type=AppointmentTypeFactory(capacity=50),
        weekdays=tuple(range(7)),
        start_date=start,
    )
    people = ContactFactory.create_batch(students, family=family)
    occurrences = list(
        Occurrence.objects.select_related("timeslot", "timeslot__appointment_type")
        .filter(timeslot=slot)
        .order_by("date")[:students]
    )
    return pack, people, occurrences


def test_two_staff_redeem_the_last_punch_at_once(needs_postgres, admin_user):
    pack, people, occurrences = _world(admin_user, size=1, students=2)

    def work(i):
        # each thread read the pass when it still had its punch, as a page does
        return punch_pass_redeem(
            actor=admin_user, pack=pack, occurrence=occurrences[0], student=people[i]
        ).pk

    done, refused = _race(2, work)
    assert len(done) == 1
    assert refused == [f"No punches left on {pack.reference}."]
    assert Pack.objects.get(pk=pack.pk).used == 1
    assert AppointmentBooking.objects.count() == 1
    assert Occurrence.objects.get(pk=occurrences[0].pk).taken == 1


def test_twelve_staff_three_punches_different_dates(needs_postgres, admin_user):
    pack, people, occurrences = _world(admin_user, size=3, students=12)

    def work(i):
        return punch_pass_redeem(
            actor=admin_user, pack=pack, occurrence=occurrences[i], student=people[i]
        ).pk

    done, refused = _race(12, work)
    assert len(done) == 3, refused
    assert refused == [f"No punches left on {pack.reference}."] * 9
    assert Pack.objects.get(pk=pack.pk).used == 3
    assert AppointmentBooking.objects.filter(pack=pack).count() == 3
    assert (
        sum(
            Occurrence.objects.filter(pk__in=[o.pk for o in occurrences]).values_list(
                "taken", flat=True
            )
        )
        == 3
    )
