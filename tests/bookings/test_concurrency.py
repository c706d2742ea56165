"""PostgreSQL only: capacity is never exceeded and a double submit makes one booking, also
when the requests really run at the same time (threads, one connection each)."""

import threading

import pytest
from django.db import close_old_connections, connection

from bookings import services
from bookings.models import Booking, BookingPlace
from core.errors import DomainError
from invoicing.models import Invoice
from notifications.models import OutboxMessage
from schedules.models import Schedule

from .factories import ContactFactory, ScheduleFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(workers: int, work) -> tuple[list, list]:
    barrier = threading.Barrier(workers)
    results, errors = [], []
    lock = threading.Lock()

    def run(i):
        close_old_connections()
        try:
            barrier.wait()
            outcome = work(i)
            with lock:
                results.append(outcome)
        except DomainError as e:
            with lock:
                errors.append(e.message)
        except Exception as e:  # noqa: BLE001 - any other error fails the test below
            with lock:
                errors.append(f"UNEXPECTED {type(e).__name__}: {e}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


def test_thirty_admins_ten_places(needs_postgres, admin_user):
    schedule = ScheduleFactory(capacity=10)
    students = ContactFactory.create_batch(30)

    def book(i):
        return services.booking_create(
            actor=admin_user, kind="individual", schedule=schedule, student=students[i]
        ).pk

    booked, refused = _race(30, book)
    assert len(booked) == 10
    assert len(refused) == 20
    assert all("No places left" in m for m in refused), refused
    schedule = Schedule.objects.get(pk=schedule.pk)
    assert schedule.places_taken == 10
    assert BookingPlace.objects.filter(schedule=schedule).count() == 10
    assert Booking.objects.count() == 10
    assert Invoice.objects.count() == 10  # nothing half-written for the refused ones
    assert OutboxMessage.objects.count() == 10
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 10))


def test_double_submit_at_the_same_moment(needs_postgres, admin_user):
    schedule = ScheduleFactory(capacity=10)
    student = ContactFactory()

    def book(i):
        return services.booking_create(
            actor=admin_user,
            kind="individual",
            schedule=schedule,
            student=student,
            idempotency_key="one-form-token",
        ).pk

    pks, errors = _race(5, book)
    assert errors == []
    assert len(set(pks)) == 1
    assert Booking.objects.count() == 1
    assert Schedule.objects.get(pk=schedule.pk).places_taken == 1
    assert Invoice.objects.count() == 1
