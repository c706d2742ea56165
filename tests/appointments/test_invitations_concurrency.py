"""PostgreSQL, real threads: families accepting invitations to the last place of a group at
the same moment (and one link clicked twice at once) never overbook it nor book twice; a
cancel of the group racing the joins never deadlocks."""

import datetime

import pytest

from appointments.models import AppointmentBooking, GroupInvitation, Occurrence
from appointments.recurrence import local_today
from appointments.services import appointment_book, appointment_cancel
from appointments.services.invitations import group_invite_accept
from appointments.states import BookingFrequency

from .factories import AppointmentTypeFactory, ContactFactory, timeslot
from .invitation_helpers import family_login, invite
from .test_concurrency import _race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _group(admin_user, capacity):
    start = local_today() + datetime.timedelta(days=7)
    slot = timeslot(
        admin_user,
        appointment_type=AppointmentTypeFactory(capacity=capacity),
        capacity=capacity,
        weekdays=(start.weekday(),),
        start_date=start,
    )
    return appointment_book(
        actor=admin_user,
        student=ContactFactory(),
        timeslot=slot,
        frequency=BookingFrequency.RECURRING,
        start_date=start,
        end_date=start + datetime.timedelta(days=21),
    )


def test_ten_families_race_for_two_places(needs_postgres, admin_user):
    group = _group(admin_user, capacity=3)
    families = [family_login(f"fam{i}", email=f"fam{i}@example.test") for i in range(10)]
    invitations = [invite(admin_user, group, email=f"fam{i}@example.test") for i in range(10)]

    def work(i):
        user, _, (kid,) = families[i]
        return group_invite_accept(user=user, invitation=invitations[i], student=kid).pk

    done, refused = _race(10, work)
    assert len(done) == 2
    assert refused == ["This group appointment is full."] * 8, refused
    for occurrence in Occurrence.objects.filter(timeslot=group.timeslot, taken__gt=0):
        assert occurrence.taken == 3 == occurrence.seats.filter(state="booked").count()
    assert GroupInvitation.objects.filter(accepted_at__isnull=False).count() == 2


def test_one_link_clicked_twice_at_once_books_once(needs_postgres, admin_user):
    group = _group(admin_user, capacity=5)
    user, _, (mia, leo) = family_login(
        "thompsons", email="thompson@example.test", students=("Mia Thompson", "Leo Thompson")
    )
    invitation = invite(admin_user, group)

    def work(i):
        return group_invite_accept(user=user, invitation=invitation, student=[mia, leo][i]).pk

    done, refused = _race(2, work)
    assert len(done) == 1 and len(refused) == 1 and "already been used" in refused[0]
    assert AppointmentBooking.objects.filter(student__in=[mia, leo]).count() == 1


def test_cancelling_the_group_while_families_join_never_deadlocks(needs_postgres, admin_user):
    group = _group(admin_user, capacity=6)
    families = [family_login(f"fam{i}", email=f"fam{i}@example.test") for i in range(5)]
    invitations = [invite(admin_user, group, email=f"fam{i}@example.test") for i in range(5)]

    def work(i):
        if i == 5:
            return appointment_cancel(actor=admin_user, booking=group, reason="closed")
        user, _, (kid,) = families[i]
        return group_invite_accept(user=user, invitation=invitations[i], student=kid).pk

    done, refused = _race(6, work)
    assert not [m for m in refused if m.startswith("UNEXPECTED")], refused
    assert all("no longer running" in m for m in refused), refused
