"""The calendar pages (SPEC 7, seed 003): month, week and day over course and appointment
bookings, the legend, the details, who sees what, and a constant number of queries."""

import pytest
import time_machine
from django.urls import reverse

from bookings import services as booking_services
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


def test_month_week_and_day_show_both_kinds_of_booking(admin_client, w):
    course, appt = w["bookings"][0], w["appointments"][0]
    for name, date in [("agenda:month", "2027-01-04"), ("agenda:week", "2027-01-04"),
                       ("agenda:day", "2027-01-06"), ("agenda:day", "2027-01-07")]:  # fmt: skip
        html = admin_client.get(reverse(name) + f"?date={date}").content.decode()
        assert '<table class="agenda-grid' in html and '<th scope="col">' in html, name
        assert '<th scope="row">' in html
        if date in ("2027-01-04", "2027-01-07"):
            assert course.reference in html, (name, date)
        if date in ("2027-01-04", "2027-01-06"):
            assert appt.reference in html, (name, date)
    month = admin_client.get(reverse("agenda:month") + "?date=2027-01-04").content.decode()
    assert "January 2027" in month and "List of bookings, January 2027" in month
    assert "Today" in month and "Previous" in month and "Next" in month
    # Week 1 of the month grid: the session days (7 and 8 January) carry the course booking.
    assert month.count(course.reference) == 4  # 2 sessions x (grid + list)


def test_legend_shows_the_seven_statuses_with_their_meaning(admin_client, w):
    html = admin_client.get(reverse("agenda:month")).content.decode()
    for label, meaning in [
        ("Confirmed", "Booking has been successfully confirmed"),
        ("Confirming", "Booking is in the server queue and being processed"),
        ("Cancelled", "Booking has been cancelled"),
        ("Waiting for payment", "Booking is waiting for payment to be completed"),
        ("Pending approval", "Booking is pending and requires manual approval"),
        ("No-show", "customer did not show up or joined the meeting"),
        ("Completed", "Booking has been marked as completed by the organizer"),
    ]:
        assert label in html and meaning in html
    for css in (
        "confirmed",
        "confirming",
        "cancelled",
        "waiting",
        "pending",
        "noshow",
        "completed",
    ):
        assert f"status-{css}" in html


def test_htmx_swaps_only_the_calendar_and_links_work_without_js(admin_client, w):
    url = reverse("agenda:month") + "?date=2027-02-10"
    full = admin_client.get(url).content.decode()
    part = admin_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in full and "<html" not in part
    assert part.lstrip().startswith('<div id="agenda"') and "February 2027" in part
    assert 'href="/calendar/?date=2027-01-01"' in full  # Previous, a real link


def test_bad_dates_fall_back_to_today(admin_client, w):
    for raw in ("abc", "9999-99-99", "0001-01-01", "%00"):
        assert admin_client.get(reverse("agenda:week") + f"?date={raw}").status_code == 200


def test_providers_see_only_their_own(client, w):
    other = booking_services.booking_create(
        actor=w["bookings"][0].created_by, kind="individual", schedule=w["other_schedule"],
        student=ContactFactory(),
    )  # fmt: skip
    client.force_login(w["trainer"])
    html = client.get(reverse("agenda:month") + "?date=2027-01-04").content.decode()
    assert w["bookings"][0].reference in html  # Tina trains FA-0107
    assert other.reference not in html
    assert w["appointments"][0].reference not in html  # Grace's timeslot
    assert client.get(reverse("agenda:booking", args=[other.pk])).status_code == 404
    assert (
        client.get(reverse("agenda:appointment", args=[w["appointments"][0].pk])).status_code == 404
    )
    client.force_login(w["staff"])
    html = client.get(reverse("agenda:month") + "?date=2027-01-04").content.decode()
    assert w["appointments"][0].reference in html and w["bookings"][0].reference not in html


def test_details_show_status_people_times_history_and_actions(admin_client, w):
    course, appt = w["bookings"][0], w["appointments"][0]
    html = admin_client.get(
        reverse("agenda:booking", args=[course.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert course.reference in html and "Confirmed" in html and "FA-0107" in html
    assert course.contact.first_name in html and "Thu 7 Jan 2027 09:00" in html
    assert "History" in html and "Reschedule" in html and "Cancel" in html
    assert "Mark completed" not in html  # the schedule has not started
    html = admin_client.get(reverse("agenda:appointment", args=[appt.pk])).content.decode()
    assert (
        appt.reference in html
        and "Piano lesson" in html
        and "Wednesday 6 January 2027 16:00" in html
    )
    assert "Reschedule" in html and "Cancel" in html and "<html" in html


def test_query_counts_do_not_grow_with_the_bookings(
    admin_client, admin_user, django_assert_max_num_queries
):
    small = world.build(admin_user, course_bookings=1, appointments=1)
    url = reverse("agenda:month") + "?date=2027-01-04"
    admin_client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for _ in range(12):
        booking_services.booking_create(
            actor=admin_user,
            kind="individual",
            schedule=small["schedule"],
            student=ContactFactory(),
        )
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url)
    assert len(many) == len(few)
    for name in ("agenda:week", "agenda:day", "agenda:month"):
        with django_assert_max_num_queries(12):
            admin_client.get(reverse(name) + "?date=2027-01-07")
    with django_assert_max_num_queries(16):
        admin_client.get(reverse("agenda:booking", args=[small["bookings"][0].pk]))
    with django_assert_max_num_queries(14):
        admin_client.get(reverse("agenda:appointment", args=[small["appointments"][0].pk]))


def test_create_booking_is_prefilled_with_the_day(admin_client, w):
    html = admin_client.get(
        reverse("agenda:create") + "?date=2027-01-07&time=09:00"
    ).content.decode()
    assert "Thursday 7 January 2027 at 09:00" in html
    assert f'href="/bookings/new/?schedule={w["schedule"].pk}"' in html
    assert 'href="/appointments/?date=2027-01-07"' in html
    assert admin_client.get(reverse("agenda:create") + "?date=junk&time=99:99").status_code == 200


def test_event_links_are_the_details_urls():
    from agenda.selectors import URL_PREFIX

    assert reverse("agenda:month") == URL_PREFIX
    assert reverse("agenda:booking", args=[7]) == f"{URL_PREFIX}booking/7/"
    assert reverse("agenda:appointment", args=[7]) == f"{URL_PREFIX}appointment/7/"
