"""The push through the production path: Redis broker, a real Celery worker, Radicale."""

import pytest
from django.db import transaction

from bookings.models import BookingStatus
from bookings.services import booking_create
from calendars import tasks  # noqa: F401  (registers the tasks before the worker starts)
from calendars.models import CalendarPush, PushState
from calendars.services import calendar_update
from tests.appointments.factories import staff_member
from tests.bookings.factories import ContactFactory, ScheduleFactory

from .conftest import USER, wait_for
from .factories import push_calendar
from .test_push import server_events

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_worker_pushes_after_commit_and_confirms_the_booking(celery_worker, radicale, admin_user):
    trainer = staff_member("Tom")
    calendar = push_calendar(radicale, owner=trainer)
    with transaction.atomic():
        booking = booking_create(
            actor=admin_user,
            kind="individual",
            schedule=ScheduleFactory(trainer=trainer),
            student=ContactFactory(),
        )
    assert booking.status == BookingStatus.CONFIRMING

    def confirmed():
        booking.refresh_from_db()
        return booking.status == BookingStatus.CONFIRMED

    wait_for(confirmed, timeout=30)
    push = CalendarPush.objects.get(calendar=calendar)
    assert push.state == PushState.SYNCED and push.attempts == 1
    assert len(server_events(radicale, calendar.url)) == 1


def test_worker_retries_while_the_server_is_down(celery_worker, radicale, admin_user, settings):
    trainer = staff_member("Tom")
    calendar = push_calendar(radicale, owner=trainer)
    good_url = calendar.url
    # Nothing listens there: connection refused, retried with backoff.
    from tests.notifications.conftest import free_port

    calendar.url = f"http://127.0.0.1:{free_port()}/desk/nowhere/"
    calendar.save(update_fields=["url"])
    with transaction.atomic():
        booking = booking_create(
            actor=admin_user,
            kind="individual",
            schedule=ScheduleFactory(trainer=trainer),
            student=ContactFactory(),
        )
    push = CalendarPush.objects.get(calendar=calendar)
    wait_for(lambda: CalendarPush.objects.get(pk=push.pk).last_error, timeout=30)
    push.refresh_from_db()
    assert push.state in (PushState.PENDING, PushState.SENDING) and push.last_error
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMING  # still in the queue

    # The Admin gives the right address: pushes are queued for the collection again.
    calendar_update(
        actor=admin_user, calendar=calendar, name=calendar.name, url=good_url, username=USER
    )

    def confirmed():
        booking.refresh_from_db()
        return booking.status == BookingStatus.CONFIRMED  # after the push is synced

    wait_for(confirmed, timeout=60)
    assert CalendarPush.objects.get(pk=push.pk).state == PushState.SYNCED
    assert len(server_events(radicale, good_url)) == 1
