"""PostgreSQL, real threads: an occurrence is never overbooked and the last punch of a pass is
used once, also when staff book at the same moment."""

import datetime
import threading

import pytest
from django.db import close_old_connections, connection

from appointments.models import AppointmentBooking, Occurrence, Pack
from appointments.services import appointment_book, book
from appointments.states import BookingFrequency, BookingSource
from core.errors import DomainError

from .factories import AppointmentTypeFactory, ContactFactory, FamilyFactory, PackFactory, timeslot

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
NR, R = BookingFrequency.NON_RECURRING, BookingFrequency.RECURRING


def _race(workers, work):
    barrier = threading.Barrier(workers)
    done, refused = [], []
    lock = threading.Lock()

    def run(i):
        close_old_connections()
        try:
            barrier.wait()
            result = work(i)
            with lock:
                done.append(result)
        except DomainError as e:
            with lock:
                refused.append(e.message)
        except Exception as e:  # noqa: BLE001 - anything else fails the test below
            with lock:
                refused.append(f"UNEXPECTED {type(e).__name__}: {e}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return done, refused


def test_twenty_staff_three_places_overlapping_series(needs_postgres, admin_user):
    start = datetime.date.today() + datetime.timedelta(days=7)
    slot = timeslot(
        admin_user,
        appointment_type=AppointmentTypeFactory(capacity=3),
        weekdays=(start.weekday(),),
        start_date=start,
    )
    students = ContactFactory.create_batch(20)

    def work(i):
        # half book one date, half a four-week series through it: lock order must hold
        recurring = i % 2 == 0
        return appointment_book(
            actor=admin_user,
            student=students[i],
            timeslot=slot,
            frequency=R if recurring else NR,
            start_date=start,
            end_date=start + datetime.timedelta(days=21) if recurring else None,
        ).pk

    done, refused = _race(20, work)
    assert len(done) == 3
    assert all(m.startswith("No openings left") for m in refused), refused
    first = Occurrence.objects.get(timeslot=slot, date=start)
    assert first.taken == 3
    assert first.seats.filter(state="booked").count() == 3


def test_two_staff_redeem_the_last_punch(needs_postgres, admin_user):
    family = FamilyFactory()
    pack = PackFactory(family=family, size=1)
    start = datetime.date.today() + datetime.timedelta(days=7)
    slot = timeslot(
        admin_user,
        appointment_type=AppointmentTypeFactory(capacity=10),
        weekdays=(start.weekday(),),
        start_date=start,
    )
    students = ContactFactory.create_batch(2, family=family)

    def work(i):
        return book(
            actor=admin_user,
            student=students[i],
            timeslot=slot,
            frequency=NR,
            start_date=start,
            source=BookingSource.PUNCH_PASS,
            pack=pack,
        ).pk

    done, refused = _race(2, work)
    assert len(done) == 1
    assert refused == [f"No punches left on {pack.reference}."]
    assert Pack.objects.get(pk=pack.pk).used == 1
    assert AppointmentBooking.objects.count() == 1
    assert Occurrence.objects.get(timeslot=slot, date=start).taken == 1
