"""CalDAV pushes against a real Radicale server: one object per booking, whatever happens.

The collection is read back with the `caldav` library (an independent client), never with the
code under test.
"""

import datetime

import httpx
import icalendar
import pytest
import time_machine
from django.utils import timezone

from bookings.models import BookingStatus
from bookings.services import booking_cancel, booking_create
from calendars.models import CalendarPush, EventRecord, PushState
from calendars.services import booking_changed, push_deliver
from calendars.services.push import Outcome
from core.models import AuditEvent
from tests.appointments.factories import staff_member
from tests.bookings.factories import ContactFactory, ScheduleFactory
from tests.schedules.factories import VenueFactory

from .factories import push_calendar

pytestmark = [pytest.mark.django_db]


def server_events(radicale, url: str) -> list[icalendar.Calendar]:
    calendar = radicale.client().calendar(url=url)
    return [icalendar.Calendar.from_ical(obj.data) for obj in calendar.objects(load_objects=True)]


def only_event(radicale, url: str) -> tuple[icalendar.Calendar, icalendar.Event]:
    [cal] = server_events(radicale, url)
    [event] = cal.walk("VEVENT")
    return cal, event


def schedule_for(**kw):
    start = (timezone.now() + datetime.timedelta(days=10)).replace(second=0, microsecond=0)
    return ScheduleFactory(start_at=start, end_at=start + datetime.timedelta(hours=8), **kw)


def book(admin_user, schedule):
    return booking_create(
        actor=admin_user, kind="individual", schedule=schedule, student=ContactFactory()
    )


def move(schedule, hours: int) -> None:
    schedule.start_at += datetime.timedelta(hours=hours)
    schedule.end_at += datetime.timedelta(hours=hours)
    schedule.save(update_fields=["start_at", "end_at"])


def test_push_reschedule_twice_cancel_one_event_sequence_0_to_3(
    radicale, admin_user, django_capture_on_commit_callbacks
):
    trainer = staff_member("Tom")
    calendar = push_calendar(radicale, owner=trainer)
    schedule = schedule_for(trainer=trainer)

    with django_capture_on_commit_callbacks(execute=True):
        booking = book(admin_user, schedule)
        assert booking.status == BookingStatus.CONFIRMING  # in the queue until pushed
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED  # the push moved it on
    cal, event = only_event(radicale, calendar.url)
    uid = f"booking-{booking.pk}@example.test"
    assert str(event["UID"]) == uid
    assert (event["SEQUENCE"], str(event["STATUS"])) == (0, "CONFIRMED")
    assert "METHOD" not in cal
    assert event["DTSTART"].dt == schedule.start_at

    sequences = [event["SEQUENCE"]]
    for hours in (2, 24):  # reschedule twice
        move(schedule, hours)
        with django_capture_on_commit_callbacks(execute=True):
            booking_changed(booking)
        _, event = only_event(radicale, calendar.url)
        sequences.append(event["SEQUENCE"])
        assert event["DTSTART"].dt == schedule.start_at

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(actor=admin_user, booking=booking, reason="Trainer ill")
    cal, event = only_event(radicale, calendar.url)
    sequences.append(event["SEQUENCE"])
    assert sequences == [0, 1, 2, 3]
    assert str(event["STATUS"]) == "CANCELLED"
    assert "METHOD" not in cal
    assert str(event["UID"]) == uid
    push = CalendarPush.objects.get(calendar=calendar)
    assert push.state == PushState.SYNCED
    assert push.href.endswith("/booking-" + str(booking.pk) + "%40example.test.ics")
    assert push.last_conflict == ""


def test_retry_after_a_lost_response_makes_no_duplicate(radicale, admin_user, monkeypatch):
    trainer = staff_member("Tom")
    calendar = push_calendar(radicale, owner=trainer)
    booking = book(admin_user, schedule_for(trainer=trainer))  # on_commit not run: pending
    push = CalendarPush.objects.get(calendar=calendar)
    assert push.state == PushState.PENDING

    from calendars import dav

    real_put = dav.Collection.put
    calls = []

    def put_then_lose_the_answer(self, href, body, **kw):
        calls.append(kw)
        answer = real_put(self, href, body, **kw)
        if len(calls) == 1:
            assert answer.status == 201  # the server stored it...
            raise httpx.ReadTimeout("answer lost")  # ...but we never hear so
        return answer

    monkeypatch.setattr(dav.Collection, "put", put_then_lose_the_answer)
    assert push_deliver(push_id=push.pk).outcome == Outcome.RETRY
    push.refresh_from_db()
    assert (push.state, push.etag) == (PushState.PENDING, "")

    assert push_deliver(push_id=push.pk).outcome == Outcome.SYNCED
    # The retry created with If-None-Match: *, got 412, fetched and updated with If-Match.
    assert calls[1] == {"create": True}
    assert calls[2]["if_match"]
    assert len(server_events(radicale, calendar.url)) == 1
    push.refresh_from_db()
    assert push.state == PushState.SYNCED and push.etag
    assert push.last_conflict == ""  # our own copy: not a conflict
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_a_change_made_on_the_server_is_merged_not_silently_overwritten(
    radicale, admin_user, django_capture_on_commit_callbacks
):
    trainer = staff_member("Tom")
    calendar = push_calendar(radicale, owner=trainer)
    schedule = schedule_for(trainer=trainer)
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(admin_user, schedule)

    # Someone edits the event in their calendar app: a note and a category.
    [obj] = radicale.client().calendar(url=calendar.url).objects(load_objects=True)
    theirs = icalendar.Calendar.from_ical(obj.data)
    [vevent] = theirs.walk("VEVENT")
    vevent["DESCRIPTION"] = "Bring a laptop"
    vevent.add("categories", ["TRAINING"])
    obj.data = theirs.to_ical().decode()
    obj.save()

    move(schedule, 3)
    with django_capture_on_commit_callbacks(execute=True):
        booking_changed(booking)

    _, event = only_event(radicale, calendar.url)
    assert event["DTSTART"].dt == schedule.start_at  # our new time...
    assert str(event["DESCRIPTION"]) == "Bring a laptop"  # ...their note kept
    assert "TRAINING" in event["CATEGORIES"].to_ical().decode()
    assert event["SEQUENCE"] == 1
    push = CalendarPush.objects.get(calendar=calendar)
    assert push.state == PushState.SYNCED
    assert "Changed on the calendar server" in push.last_conflict
    assert AuditEvent.objects.for_object(booking).filter(action="calendar_conflict").exists()


def test_moved_to_another_trainer_is_cancelled_on_the_old_calendar(
    radicale, admin_user, django_capture_on_commit_callbacks
):
    tom, ann = staff_member("Tom"), staff_member("Ann")
    toms, anns = push_calendar(radicale, owner=tom), push_calendar(radicale, owner=ann)
    schedule = schedule_for(trainer=tom)
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(admin_user, schedule)
    schedule.trainer = ann
    schedule.save(update_fields=["trainer"])
    with django_capture_on_commit_callbacks(execute=True):
        booking_changed(booking)
    _, old = only_event(radicale, toms.url)
    _, new = only_event(radicale, anns.url)
    assert str(old["STATUS"]) == "CANCELLED"
    assert str(new["STATUS"]) == "CONFIRMED"
    assert str(old["UID"]) == str(new["UID"])


def test_no_caldav_calendar_costs_one_query_and_writes_nothing(
    admin_user, django_assert_num_queries
):
    booking = book(admin_user, schedule_for(trainer=staff_member("Tom")))
    assert booking.status == BookingStatus.CONFIRMED  # nothing to push: confirmed at once
    with django_assert_num_queries(1):
        assert booking_changed(booking) is None
    assert not EventRecord.objects.exists()


def test_venue_calendar_gets_the_booking_too(
    radicale, admin_user, django_capture_on_commit_callbacks
):
    schedule = schedule_for(venue=VenueFactory(name="Room 4", address="1 High St"))
    calendar = push_calendar(radicale, venue=schedule.venue)
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(admin_user, schedule)
    _, event = only_event(radicale, calendar.url)
    assert str(event["UID"]) == f"booking-{booking.pk}@example.test"
    assert schedule.venue.name in str(event["LOCATION"])


def test_a_recurring_appointment_is_one_event_with_rdates(
    radicale, admin_user, django_capture_on_commit_callbacks
):
    from appointments.models import AppointmentBooking
    from appointments.services import appointment_book, appointment_cancel
    from appointments.states import BookingFrequency
    from tests.appointments.factories import timeslot

    staff = staff_member("Grace")
    calendar = push_calendar(radicale, owner=staff)
    now = datetime.datetime(2027, 1, 1, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(now, tick=False):
        slot = timeslot(admin_user, staff=staff, weekdays=(0,))  # Mondays 16:00 London
        with django_capture_on_commit_callbacks(execute=True):
            booking = appointment_book(
                actor=admin_user,
                student=ContactFactory(),
                timeslot=slot,
                frequency=BookingFrequency.RECURRING,
                start_date=datetime.date(2027, 3, 22),
                end_date=datetime.date(2027, 4, 5),
                weekdays=[0],
            )
        _, event = only_event(radicale, calendar.url)
        assert str(event["UID"]) == f"appointment-{booking.pk}@example.test"
        # 22 March 16:00 GMT, then 29 March and 5 April 16:00 BST (15:00 UTC).
        assert event["DTSTART"].dt == datetime.datetime(2027, 3, 22, 16, 0, tzinfo=datetime.UTC)
        rdates = [d.dt for d in event["RDATE"].dts]
        assert rdates == [
            datetime.datetime(2027, 3, 29, 15, 0, tzinfo=datetime.UTC),
            datetime.datetime(2027, 4, 5, 15, 0, tzinfo=datetime.UTC),
        ]
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CONFIRMED
        with django_capture_on_commit_callbacks(execute=True):
            appointment_cancel(
                actor=admin_user,
                booking=AppointmentBooking.objects.get(pk=booking.pk),
                reason="Moving away",
            )
        _, event = only_event(radicale, calendar.url)
        assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 1)


def test_a_change_while_sending_is_sent_next_without_a_false_conflict(
    radicale, admin_user, monkeypatch
):
    trainer = staff_member("Tom")
    calendar = push_calendar(radicale, owner=trainer)
    schedule = schedule_for(trainer=trainer)
    booking = book(admin_user, schedule)  # pending, not sent yet
    push = CalendarPush.objects.get(calendar=calendar)

    from calendars import dav

    real_put = dav.Collection.put
    calls = []

    def put_while_the_booking_moves(self, href, body, **kw):
        calls.append(kw)
        if len(calls) == 1:  # the booking is rescheduled while the first PUT is in flight
            move(schedule, 5)
            booking_changed(booking)
            assert CalendarPush.objects.get(pk=push.pk).state == PushState.SENDING
        return real_put(self, href, body, **kw)

    monkeypatch.setattr(dav.Collection, "put", put_while_the_booking_moves)
    assert push_deliver(push_id=push.pk).outcome == Outcome.SYNCED  # then sent again at once
    push.refresh_from_db()
    assert push.state == PushState.SYNCED and push.sent_version == push.version == 2
    assert push.last_conflict == ""
    assert [bool(c.get("if_match")) for c in calls] == [False, True]  # create, then update
    _, event = only_event(radicale, calendar.url)
    assert event["DTSTART"].dt == schedule.start_at and event["SEQUENCE"] == 1


def test_editing_the_schedule_pushes_its_bookings_again(
    radicale, admin_user, django_capture_on_commit_callbacks
):
    from schedules.services import schedule_update

    tom = staff_member("Tom")
    calendar = push_calendar(radicale, owner=tom)
    schedule = schedule_for(trainer=tom)
    with django_capture_on_commit_callbacks(execute=True):
        book(admin_user, schedule)
    later = schedule.start_at + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        schedule_update(
            actor=admin_user, schedule=schedule, start_at=later,
            end_at=schedule.end_at + datetime.timedelta(hours=1), capacity=schedule.capacity,
            venue=schedule.venue, trainer=tom, price=schedule.price, vat_rate=schedule.vat_rate,
            code=schedule.code,
        )  # fmt: skip
    _, event = only_event(radicale, calendar.url)
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == later
