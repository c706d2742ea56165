"""PostgreSQL, real threads: the same session of an order booked by several staff at once is
booked once; the last sessions of an order are never overused."""

import datetime

import pytest

from appointments.models import Pack
from appointments.recurrence import local_today
from sessions_backdate.models import BackdateNotice, OrderSession
from sessions_backdate.services import session_book
from tests.appointments.test_concurrency import _race

from .factories import consultant_slot, order, staff_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(admin_user):
    today = local_today()
    slot = consultant_slot(
        admin_user,
        staff=staff_member("Maya"),
        start=today - datetime.timedelta(days=20),
        capacity=20,
    )
    return {"slot": slot, "today": today}


def test_one_session_booked_by_eight_staff_at_once_is_booked_once(
    needs_postgres, admin_user, world
):
    pack = order(service=world["slot"].appointment_type, size=3)
    days = [world["today"] - datetime.timedelta(days=d) for d in range(1, 9)]
    occurrences = [world["slot"].occurrences.get(date=d) for d in days]

    def work(i):
        return session_book(actor=admin_user, pack=pack, number=1, occurrence=occurrences[i])

    done, refused = _race(8, work)
    assert len(done) == 1, refused
    assert len(refused) == 7 and all("already booked" in m for m in refused), refused
    assert Pack.objects.get(pk=pack.pk).used == 1
    assert OrderSession.objects.count() == 1 and BackdateNotice.objects.count() == 1
    taken = sum(o.taken for o in world["slot"].occurrences.filter(date__in=days))
    assert taken == 1  # the refused bookings gave their places back (rolled back)


def test_the_sessions_of_an_order_are_never_overused(needs_postgres, admin_user, world):
    pack = order(service=world["slot"].appointment_type, size=3)
    days = [world["today"] - datetime.timedelta(days=d) for d in range(1, 7)]
    occurrences = [world["slot"].occurrences.get(date=d) for d in days]

    def work(i):  # two staff on each of the three sessions, each on a different day
        return session_book(
            actor=admin_user, pack=pack, number=1 + i % 3, occurrence=occurrences[i]
        )

    done, refused = _race(6, work)
    assert sorted(s.number for s in done) == [1, 2, 3], refused
    # refused by the session's unique row, or by the order having no session left
    assert len(refused) == 3, refused
    assert all("already booked" in m or "No sessions left" in m for m in refused), refused
    assert Pack.objects.get(pk=pack.pk).used == 3
