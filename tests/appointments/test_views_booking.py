"""The appointment booking's page: details, dates (seats), history, emails; the status
buttons of the states table (one-time); "Cancel" all remaining dates or chosen ones with a
reason; who may see and do what; a constant query count."""

import pytest
import time_machine

from appointments.models import AppointmentBooking, Occurrence, Seat
from appointments.services import appointment_book
from appointments.states import BookingFrequency, BookingStatus, SeatState
from tests.actions import HX, form_token

from .factories import ContactFactory, FamilyFactory, staff_member, timeslot
from .pages import NOW, D

pytestmark = pytest.mark.django_db
R = BookingFrequency.RECURRING


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def booking(admin_user):
    family = FamilyFactory(account_email="thompsons@example.test")
    slot = timeslot(admin_user, weekdays=(0,), staff=staff_member("Grace"))
    return appointment_book(
        actor=admin_user, student=ContactFactory(family=family, first_name="Mia"),
        timeslot=slot, frequency=R, start_date=D(2027, 1, 4), end_date=D(2027, 1, 25),
        send_email=True, notes="Bring music",
    )  # fmt: skip


def url(booking, tail=""):
    return f"/appointments/bookings/{booking.pk}/{tail}"


def test_the_page_shows_details_dates_history_and_emails(admin_client, booking):
    html = admin_client.get(url(booking)).content.decode()
    assert f"Appointment booking {booking.reference}" in html
    assert "Mia" in html and "Grace" in html and "Bring music" in html
    for day in ("Mon 4 Jan 2027", "Mon 11 Jan 2027", "Mon 18 Jan 2027", "Mon 25 Jan 2027"):
        assert day in html
    assert "Booked Mia" in html  # the history
    assert "Appointment booked:" in html  # the email sent
    assert "Mark completed" not in html or "Mark no-show" in html
    assert ">Cancel</a>" in html


def test_query_count_does_not_grow_with_dates(
    admin_client, admin_user, booking, django_assert_max_num_queries
):
    with django_assert_max_num_queries(16) as few:
        admin_client.get(url(booking))
    longer = appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=timeslot(admin_user, weekdays=(0, 2)),
        frequency=R, start_date=D(2027, 1, 4), send_email=True,
    )  # fmt: skip
    assert longer.seats.count() > 100
    with django_assert_max_num_queries(16) as many:
        admin_client.get(url(longer))
    assert len(many) == len(few)


def test_status_buttons_follow_the_states_table(admin_client, booking):
    html = admin_client.get(url(booking)).content.decode()
    # Confirmed -> No-show, Completed (Cancel has its own page)
    assert 'value="noshow"' in html and 'value="completed"' in html
    assert 'value="confirmed"' not in html
    status = url(booking, "status/")
    token = form_token(admin_client, status, page=url(booking))
    response = admin_client.post(status, {"to": "completed", "form_token": token})
    assert response.status_code == 302 and response["Location"] == url(booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    # the same click again: one change, and the page says so
    again = admin_client.post(status, {"to": "completed", "form_token": token}, **HX)
    assert again["HX-Redirect"] == url(booking)
    assert "This was already done" in admin_client.get(url(booking)).content.decode()


def test_a_move_the_table_refuses_is_not_made(admin_client, booking):
    status = url(booking, "status/")
    token = form_token(admin_client, status, page=url(booking))
    for to in ("pending", "cancelled", "nonsense", ""):
        admin_client.post(status, {"to": to, "form_token": token})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_cancel_chosen_dates(admin_client, booking):
    seats = list(booking.seats.order_by("occurrence__starts_at"))
    page = admin_client.get(url(booking, "cancel/")).content.decode()
    assert "Reason" in page and "All remaining dates" in page
    assert "free their places" in page  # the consequence
    response = admin_client.post(url(booking, "cancel/"), {
        "which": "chosen", "seats": [seats[1].pk], "reason": "Holiday",
        "form_token": form_token(admin_client, url(booking, "cancel/")),
    })  # fmt: skip
    assert response.status_code == 302
    states = dict(Seat.objects.filter(booking=booking).values_list("pk", "state"))
    assert states[seats[1].pk] == SeatState.CANCELLED
    assert states[seats[0].pk] == SeatState.BOOKED
    assert Occurrence.objects.get(pk=seats[1].occurrence_id).taken == 0
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    html = admin_client.get(url(booking)).content.decode()
    assert "Cancelled 1 date of" in html and "Holiday" in html


def test_cancel_all_remaining_dates_cancels_the_booking(admin_client, booking):
    response = admin_client.post(url(booking, "cancel/"), {
        "which": "all", "reason": "Moving away",
        "form_token": form_token(admin_client, url(booking, "cancel/")),
    }, **HX)  # fmt: skip
    assert response["HX-Redirect"] == url(booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert not Seat.objects.filter(booking=booking, state=SeatState.BOOKED).exists()
    html = admin_client.get(url(booking)).content.decode()
    assert ">Cancel</a>" not in html


def test_cancel_needs_a_reason_and_chosen_dates(admin_client, booking):
    page = url(booking, "cancel/")
    for data, message in (
        ({"which": "all", "reason": ""}, "This field is required."),
        ({"which": "chosen", "reason": "x"}, "Tick the dates to cancel."),
        ({"which": "chosen", "reason": "x", "seats": [str(2**63)]}, "is not a valid value"),
        ({"which": "chosen", "reason": "x", "seats": ["987654"]}, "Select a valid choice"),
    ):
        response = admin_client.post(page, {**data, "form_token": form_token(admin_client, page)})
        html = response.content.decode()
        assert response.status_code == 200 and message in html, (data, html[html.find("<form") :])
    assert not Seat.objects.filter(state=SeatState.CANCELLED).exists()


def test_provider_sees_own_bookings_only_and_changes_nothing(client, admin_user, booking):
    own = booking.timeslot.staff
    client.force_login(own)
    html = client.get(url(booking)).content.decode()
    assert booking.reference in html and ">Cancel</a>" not in html and 'name="to"' not in html
    assert client.get(url(booking, "cancel/")).status_code == 403
    assert client.post(url(booking, "status/"), {"to": "completed"}).status_code == 403
    client.force_login(staff_member("Other"))
    assert client.get(url(booking)).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_finance_reads_the_page(client, finance_user, booking):
    client.force_login(finance_user)
    html = client.get(url(booking)).content.decode()
    assert booking.reference in html and 'name="to"' not in html


def test_missing_booking_is_404(admin_client):
    assert admin_client.get("/appointments/bookings/987654/").status_code == 404
    assert admin_client.get("/appointments/bookings/987654/cancel/").status_code == 404
    assert AppointmentBooking.objects.count() == 0
