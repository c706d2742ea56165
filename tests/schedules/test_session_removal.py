"""Removing a timetable session that people are booked on (issue 7 §3: destructive actions
name their consequence and tell the people booked, or are refused with the reason)."""

import pytest

from bookings import services as bookings
from bookings.models import Attendance, AttendanceStatus, BookingType
from core.errors import DomainError
from core.models import AuditEvent
from notifications.models import OutboxMessage
from schedules import services
from tests.actions import submit
from tests.bookings.factories import ContactFactory, ScheduleFactory

pytestmark = pytest.mark.django_db


def _booked(admin_user, schedule, count=2, **contact):
    people = [ContactFactory(**contact) for _ in range(count)]
    for person in people:
        bookings.booking_create(
            actor=admin_user, kind=BookingType.INDIVIDUAL, schedule=schedule, student=person
        )
    return people


def test_removing_a_session_emails_everyone_booked(admin_user):
    schedule = ScheduleFactory()
    people = _booked(admin_user, schedule)
    first, second = schedule.sessions.order_by("date")
    refusal, booked = services.session_removal_check(first)
    assert refusal == "" and {c.pk for c in booked} == {p.pk for p in people}
    emails = OutboxMessage.objects.count()

    told = services.session_remove(actor=admin_user, session=first, reason="Trainer ill")

    assert {c.pk for c in told} == {p.pk for p in people}
    assert not schedule.sessions.filter(pk=first.pk).exists()
    assert not Attendance.objects.filter(session_id=first.pk).exists()
    assert Attendance.objects.filter(session=second).count() == 2  # the other day stays
    sent = OutboxMessage.objects.order_by("pk")[emails:]
    assert sorted(m.to[0] for m in sent) == sorted(p.email for p in people)
    assert all(str(first) in m.body and "Trainer ill" in m.body for m in sent)
    assert str(second) in sent[0].body  # the timetable that remains
    event = AuditEvent.objects.for_object(schedule).first()
    assert event.action == "schedule.session_remove" and "2 delegates emailed" in event.summary


def test_a_session_with_attendance_taken_cannot_be_removed(admin_user):
    schedule = ScheduleFactory()
    _booked(admin_user, schedule, count=1)
    session = schedule.sessions.first()
    Attendance.objects.filter(session=session).update(status=AttendanceStatus.ATTENDED)
    refusal, _ = services.session_removal_check(session)
    assert "Attendance has been taken" in refusal
    emails = OutboxMessage.objects.count()
    with pytest.raises(DomainError, match="Attendance has been taken"):
        services.session_remove(actor=admin_user, session=session)
    assert schedule.sessions.filter(pk=session.pk).exists()
    assert OutboxMessage.objects.count() == emails


def test_cancelled_delegates_are_not_told(admin_user):
    schedule = ScheduleFactory()
    (person,) = _booked(admin_user, schedule, count=1)
    booking = person.places.get().booking
    bookings.booking_cancel(actor=admin_user, booking=booking, reason="Left")
    session = schedule.sessions.first()
    assert services.session_removal_check(session) == ("", [])
    assert services.session_remove(actor=admin_user, session=session) == []


def test_remove_page_names_who_is_emailed_then_removes(admin_client, admin_user):
    from django.urls import reverse

    schedule = ScheduleFactory()
    people = _booked(admin_user, schedule)
    session = schedule.sessions.first()
    url = reverse("schedules:session_remove", args=[schedule.pk, session.pk])
    page = admin_client.get(url).content.decode()
    assert "2 people are booked" in page and people[0].full_name in page
    assert schedule.sessions.filter(pk=session.pk).exists()  # asking changes nothing
    response = submit(admin_client, url, {"reason": "Venue closed"})
    assert response.status_code == 302
    assert not schedule.sessions.filter(pk=session.pk).exists()
    assert OutboxMessage.objects.filter(template_key="schedule_session_removed").count() == 2


def test_remove_page_with_attendance_taken_refuses(admin_client, admin_user):
    from django.urls import reverse

    schedule = ScheduleFactory()
    _booked(admin_user, schedule, count=1)
    session = schedule.sessions.first()
    Attendance.objects.filter(session=session).update(status=AttendanceStatus.ABSENT)
    url = reverse("schedules:session_remove", args=[schedule.pk, session.pk])
    assert "Attendance has been taken" in admin_client.get(url).content.decode()
    response = submit(admin_client, url, {"reason": ""})
    assert response.status_code == 200 and "Attendance has been taken" in response.content.decode()
    assert schedule.sessions.filter(pk=session.pk).exists()
