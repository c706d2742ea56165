"""The Appointments page: a day and a week of timeslots with their openings, navigation,
filters, HTMX swaps, "Book" for those who manage appointments, a provider's own timeslots,
and a query count that does not grow with the timeslots."""

import pytest
import time_machine
from django.urls import reverse

from appointments.services import appointment_book
from appointments.states import BookingFrequency

from .factories import ContactFactory, staff_member, timeslot
from .pages import NOW, D, many_timeslots

pytestmark = pytest.mark.django_db
PAGE = "/appointments/"
HX = {"HTTP_HX_REQUEST": "true"}


def rows(response) -> str:
    """The page below its filters (the select lists name every type and staff member)."""
    html = response.content.decode()
    return html[html.index('id="period-title"') :]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_url_name():
    assert reverse("appointments:page") == PAGE


def test_day_shows_occurrences_with_openings_and_book(admin_client, admin_user):
    slot = timeslot(admin_user, weekdays=(0,), capacity=2)
    student = ContactFactory(first_name="Mia", last_name="Thompson")
    appointment_book(
        actor=admin_user, student=student, timeslot=slot,
        frequency=BookingFrequency.NON_RECURRING, start_date=D(2027, 1, 4),
    )  # fmt: skip
    html = admin_client.get(PAGE).content.decode()
    assert "Monday 4 January 2027" in html
    assert slot.appointment_type.name in html and slot.staff_name in html
    assert "Mia Thompson" in html  # the booked student, linked to the booking
    assert f'href="/appointments/book/{slot.pk}/?date=2027-01-04"' in html
    assert ">Book</a>" in html
    row = html[html.index(slot.appointment_type.name) :]
    assert '<td class="num">1</td>' in row  # one opening of two left


def test_a_full_occurrence_has_no_book_button(admin_client, admin_user):
    slot = timeslot(admin_user, weekdays=(0,))
    appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=slot,
        frequency=BookingFrequency.NON_RECURRING, start_date=D(2027, 1, 4),
    )  # fmt: skip
    html = admin_client.get(PAGE).content.decode()
    assert "full" in html and ">Book</a>" not in html


def test_week_view_and_navigation_links(admin_client, admin_user):
    timeslot(admin_user, weekdays=(0, 3))
    html = admin_client.get(PAGE + "?view=week&date=2027-01-06").content.decode()
    assert "Week of Monday 4 January 2027 to Sunday 10 January 2027" in html
    assert "Thursday 7 January 2027" in html and "Monday 4 January 2027" in html
    assert "?view=week&amp;date=2026-12-30" in html  # Previous week
    assert "?view=week&amp;date=2027-01-13" in html  # Next week
    assert "?view=week&amp;date=2027-01-04" in html  # Today
    day = admin_client.get(PAGE + "?date=2027-01-11").content.decode()
    assert "Monday 11 January 2027" in day and "?view=day&amp;date=2027-01-10" in day


def test_filters_by_staff_and_type(admin_client, admin_user):
    grace, alan = staff_member("Grace"), staff_member("Alan")
    a = timeslot(admin_user, staff=grace)
    b = timeslot(admin_user, staff=alan)
    html = rows(admin_client.get(PAGE, {"staff": grace.pk}))
    assert a.appointment_type.name in html and b.appointment_type.name not in html
    html = rows(admin_client.get(PAGE, {"type": b.appointment_type_id}))
    assert b.appointment_type.name in html and a.appointment_type.name not in html


def test_bad_filters_are_said_not_500(admin_client, admin_user):
    timeslot(admin_user)
    for query in (
        {"staff": "99999999999999999999"},
        {"type": "-1"},
        {"date": "10000-01-01"},
        {"date": "0001-01-01"},
        {"view": "year"},
    ):
        response = admin_client.get(PAGE, query)
        assert response.status_code == 200, query


def test_htmx_swaps_the_results_only(admin_client, admin_user):
    timeslot(admin_user)
    response = admin_client.get(PAGE + "?view=week", **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="appointments-results"') and "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_provider_sees_own_timeslots_and_no_book(client, admin_user):
    me, other = staff_member("Pat"), staff_member("Other")
    mine = timeslot(admin_user, staff=me)
    theirs = timeslot(admin_user, staff=other)
    client.force_login(me)
    html = rows(client.get(PAGE))
    assert mine.appointment_type.name in html
    assert theirs.appointment_type.name not in html
    assert ">Book</a>" not in html
    # asking for another staff member's timeslots still shows only their own
    html = rows(client.get(PAGE, {"staff": other.pk}))
    assert theirs.appointment_type.name not in html


def test_finance_sees_all_but_cannot_book(client, finance_user, admin_user):
    slot = timeslot(admin_user)
    client.force_login(finance_user)
    html = client.get(PAGE).content.decode()
    assert slot.appointment_type.name in html and ">Book</a>" not in html


def test_anonymous_and_portal_users_are_kept_out(client, db):
    assert client.get(PAGE).status_code == 302
    from tests.conftest import make_user

    client.force_login(make_user("fam", "Student / family"))
    assert client.get(PAGE).status_code == 403


def _queries(client, django_assert_max_num_queries, url, bound):
    with django_assert_max_num_queries(bound) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_timeslots(
    admin_client, admin_user, django_assert_max_num_queries
):
    few = many_timeslots(3)
    appointment_book(
        actor=admin_user, student=ContactFactory(), timeslot=few[0],
        frequency=BookingFrequency.NON_RECURRING, start_date=D(2027, 1, 4),
    )  # fmt: skip
    small = _queries(admin_client, django_assert_max_num_queries, PAGE, 12)
    week_small = _queries(admin_client, django_assert_max_num_queries, PAGE + "?view=week", 12)
    many = many_timeslots(400)
    for slot in many[:30]:
        appointment_book(
            actor=admin_user, student=ContactFactory(), timeslot=slot,
            frequency=BookingFrequency.NON_RECURRING, start_date=D(2027, 1, 4),
        )  # fmt: skip
    large = _queries(admin_client, django_assert_max_num_queries, PAGE, 12)
    week_large = _queries(admin_client, django_assert_max_num_queries, PAGE + "?view=week", 12)
    assert large == small and week_large == week_small
    html = admin_client.get(PAGE).content.decode()
    assert html.count(">Book</a>") + html.count("badge-warn") == 50  # a page of 50
    assert "Page 1" in html and 'href="?view=day&amp;date=2027-01-04&amp;page=2"' in html
    second = admin_client.get(PAGE + "?date=2027-01-04&page=2").content.decode()
    assert "Page 2" in second and "Previous page" in second


def test_the_filters_show_the_period_shown(admin_client):
    html = admin_client.get(PAGE).content.decode()
    assert 'name="date" value="2027-01-04"' in html
    assert '<option value="day" selected>' in html
