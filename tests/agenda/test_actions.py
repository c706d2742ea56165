"""The calendar's actions: the status moves of the ONE states table through the pages,
Reschedule and Cancel with reasons, history and emails, the calendars filter, and who may do
what by direct POST."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from appointments.models import AppointmentBooking, Occurrence, Seat
from appointments.states import SeatState
from bookings.models import Booking, BookingStatus, PlaceState
from bookings.states import BOOKING_STATES
from core.models import AuditEvent
from notifications.models import OutboxMessage
from tests.actions import form_token, preview_and_confirm, submit
from tests.bookings.factories import ContactFactory

from . import world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(world.NOW, tick=False):
        yield


@pytest.fixture
def w(admin_user):
    return world.build(admin_user)


def _status(client, url_name, pk, to, page_name):
    page = reverse(page_name, args=[pk])
    return submit(client, reverse(url_name, args=[pk]), {"to": to}, page=page, follow=True)


# --- the states table through the pages ---------------------------------------------------------


@pytest.mark.parametrize("start", list(BookingStatus))
def test_appointment_buttons_are_the_tables_moves_and_others_are_refused(admin_client, w, start):
    booking = w["appointments"][0]
    AppointmentBooking.objects.filter(pk=booking.pk).update(status=start)
    html = admin_client.get(reverse("agenda:appointment", args=[booking.pk])).content.decode()
    offered = {to for to in BookingStatus if f'name="to" value="{to}"' in html}
    assert offered == set(BOOKING_STATES.targets(start)) - {BookingStatus.CANCELLED}
    status_url = reverse("agenda:appointment_status", args=[booking.pk])
    page = reverse("agenda:appointment", args=[booking.pk])
    for to in BookingStatus:
        # A genuine token of the page's status form (shown while the booking is confirmed),
        # then the move posted directly, as a stale page or a script would.
        AppointmentBooking.objects.filter(pk=booking.pk).update(status=BookingStatus.CONFIRMED)
        token = form_token(admin_client, status_url, page)
        AppointmentBooking.objects.filter(pk=booking.pk).update(status=start)
        response = admin_client.post(status_url, {"to": to, "form_token": token}, follow=True)
        now = AppointmentBooking.objects.get(pk=booking.pk).status
        text = response.content.decode()
        if to in offered:
            assert now == to, (start, to)
        else:
            assert now == start, (start, to)
            if to == BookingStatus.CANCELLED and BOOKING_STATES.allowed(start, to):
                assert "Use Cancel to cancel a booking" in text
            else:
                assert BOOKING_STATES.refusal(start, to).replace("'", "&#x27;") in text


def test_course_moves_follow_the_table_and_its_refusal(admin_client, w):
    booking = w["bookings"][0]
    status_url = reverse("agenda:booking_status", args=[booking.pk])
    page = reverse("agenda:booking", args=[booking.pk])
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.PENDING)
    html = admin_client.get(page).content.decode()
    assert 'value="waiting"' in html and 'value="confirmed"' in html
    assert 'value="completed"' not in html
    response = submit(admin_client, status_url, {"to": "completed"}, page=page, follow=True)
    assert "A pending approval booking cannot be marked completed." in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.PENDING
    submit(admin_client, status_url, {"to": "confirmed"}, page=page)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    event = AuditEvent.objects.for_object(booking).first()
    assert "Pending approval to Confirmed" in event.summary


def test_garbage_status_is_refused_without_a_change(admin_client, w):
    booking = w["appointments"][0]
    page = reverse("agenda:appointment", args=[booking.pk])
    url = reverse("agenda:appointment_status", args=[booking.pk])
    response = submit(admin_client, url, {"to": "deleted"}, page=page, follow=True)
    assert "That status change is not available." in response.content.decode()
    assert AppointmentBooking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


# --- permissions by direct POST -----------------------------------------------------------------


def test_roles_without_the_capability_are_refused_by_direct_post(client, w, finance_user):
    appt, course = w["appointments"][0], w["bookings"][0]
    posts = [
        (reverse("agenda:appointment_status", args=[appt.pk]), {"to": "completed"}),
        (reverse("agenda:appointment_reschedule", args=[appt.pk]), {"reason": "x"}),
        (reverse("agenda:appointment_cancel", args=[appt.pk]), {"reason": "x"}),
        (reverse("agenda:booking_status", args=[course.pk]), {"to": "completed"}),
    ]
    for user in (finance_user, w["trainer"], w["staff"]):
        client.force_login(user)
        for url, data in posts:
            assert client.post(url, data).status_code == 403, (user, url)
    client.force_login(w["trainer"])  # providers may not move course bookings either
    url = reverse("agenda:booking_reschedule", args=[course.pk])
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert AppointmentBooking.objects.get(pk=appt.pk).status == BookingStatus.CONFIRMED
    assert Seat.objects.filter(booking=appt, state=SeatState.BOOKED).count() == 1
    client.logout()
    assert client.post(posts[0][0], posts[0][1]).status_code == 302  # to the login page


# --- Reschedule ---------------------------------------------------------------------------------


def test_reschedule_an_appointment_with_a_reason(admin_client, w):
    booking = w["appointments"][0]
    seat = booking.seats.get()
    old = seat.occurrence
    new = Occurrence.objects.get(timeslot=w["timeslot2"], date=datetime.date(2027, 1, 12))
    url = reverse("agenda:appointment_reschedule", args=[booking.pk])
    page = f"{url}?seat={seat.pk}&date=2027-01-12"
    html = admin_client.get(page).content.decode()
    assert "Show available times" in html and "17:00–17:30 with Ada" in html
    assert "Confirm Booking" in html and "Reschedule reason" in html
    response = submit(admin_client, url, {
        "seat": seat.pk, "date": "2027-01-12", "occurrence": new.pk, "reason": "",
    }, page=page)  # fmt: skip
    assert "This field is required" in response.content.decode()
    response = submit(admin_client, url, {
        "seat": seat.pk, "date": "2027-01-12", "occurrence": new.pk,
        "reason": "Grace is at a concert",
    }, page=page)  # fmt: skip
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.occurrence_id == new.pk and seat.is_booked
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.taken, new.taken) == (0, 1)
    event = AuditEvent.objects.for_object(booking).filter(action="appointment.reschedule").get()
    assert "Wed 06 Jan 2027 16:00" in event.summary and "Tue 12 Jan 2027 17:00" in event.summary
    assert event.reason == "Grace is at a concert"
    assert event.data["from_occurrence"] == old.pk and event.data["to_occurrence"] == new.pk
    mail = OutboxMessage.objects.filter(template_key="appointment_rescheduled").get()
    assert mail.to == [booking.student.family.account_email]
    assert "Tue 12 Jan 2027 17:00" in mail.body and "Grace is at a concert" in mail.body
    # The details show the new time and the history with both times and the reason.
    html = admin_client.get(reverse("agenda:appointment", args=[booking.pk])).content.decode()
    assert "Tuesday 12 January 2027 17:00" in html and "Grace is at a concert" in html


def test_reschedule_respects_capacity(admin_client, admin_user, w):
    from appointments.services import appointment_book, appointment_reschedule
    from core.errors import DomainError

    new = Occurrence.objects.get(timeslot=w["timeslot2"], date=datetime.date(2027, 1, 12))
    appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=w["timeslot2"],
        frequency="non_recurring", start_date=datetime.date(2027, 1, 12),
    )  # fmt: skip
    booking = w["appointments"][0]
    seat = booking.seats.get()
    with pytest.raises(DomainError, match="No openings left"):
        appointment_reschedule(
            actor=admin_user, booking=booking, seat=seat, new_occurrence=new, reason="x"
        )
    seat.refresh_from_db()
    assert seat.occurrence.date == datetime.date(2027, 1, 6)
    assert not OutboxMessage.objects.filter(template_key="appointment_rescheduled").exists()


def test_reschedule_a_course_booking_moves_its_delegate_with_the_money_previewed(admin_client, w):
    booking = w["bookings"][0]
    target = w["other_schedule"]
    url = reverse("agenda:booking_reschedule", args=[booking.pk])
    html = admin_client.get(url).content.decode()
    assert target.code in html and "Confirm Booking" not in html  # previewed first
    response = preview_and_confirm(
        admin_client, url, {"schedule": target.pk, "fee": "", "reason": "Trainer ill"}
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.schedule_id == target.pk
    places = list(booking.places.order_by("pk"))
    assert [p.state for p in places] == [PlaceState.TRANSFERRED, PlaceState.BOOKED]
    history = AuditEvent.objects.for_object(booking)
    assert any(e.reason == "Trainer ill" for e in history)


# --- Cancel -------------------------------------------------------------------------------------


def test_cancel_an_appointment_with_a_reason(admin_client, w):
    booking = w["appointments"][0]
    url = reverse("agenda:appointment_cancel", args=[booking.pk])
    html = admin_client.get(url).content.decode()
    assert "Cancel reason" in html and "Cancel this booking" in html
    response = submit(admin_client, url, {"reason": "", "step": "confirm"})
    assert "This field is required" in response.content.decode()
    response = submit(admin_client, url, {"reason": "Moving away", "step": "confirm"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.seats.get().state == SeatState.CANCELLED
    event = AuditEvent.objects.for_object(booking).filter(action="appointment.cancel").get()
    assert event.reason == "Moving away"
    mail = OutboxMessage.objects.filter(template_key="appointment_cancelled").get()
    assert "Moving away" in mail.body and "Wed 06 Jan 2027 16:00" in mail.body


def test_course_cancel_is_the_bookings_cancel_page(admin_client, w):
    booking = w["bookings"][0]
    html = admin_client.get(reverse("agenda:booking", args=[booking.pk])).content.decode()
    assert f'href="/bookings/{booking.pk}/cancel/"' in html
    page = admin_client.get(reverse("bookings:cancel", args=[booking.pk])).content.decode()
    assert "Cancel this booking" in page or "Preview" in page
