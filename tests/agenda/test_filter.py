"""The filter icon (seed 003, "Multiple Calendar Synchronization"): every calendar with a
checkbox; the bookings and busy blocks of the ticked ones are shown; the choice is remembered
per user. A clash with a busy block is warned about before "Confirm Booking"."""

import datetime
from urllib.parse import quote

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from calendars.models import BusyBlock, Calendar, CalendarKind
from calendars.services import calendar_for_staff
from tests.actions import submit

from . import world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(world.NOW, tick=False):
        yield


@pytest.fixture
def w(admin_user):
    built = world.build(admin_user)
    built["grace_cal"] = calendar_for_staff(built["staff"])
    built["tina_cal"] = calendar_for_staff(built["trainer"])
    built["diary"] = Calendar.objects.create(
        kind=CalendarKind.ICS, name="Ada's diary", owner=built["timeslot2"].staff,
        url="https://calendar.example.test/ada.ics",
    )  # fmt: skip
    BusyBlock.objects.create(
        calendar=built["diary"],
        starts_at=datetime.datetime(2027, 1, 12, 16, 45, tzinfo=world.LONDON),
        ends_at=datetime.datetime(2027, 1, 12, 18, 0, tzinfo=world.LONDON),
        summary="Dentist",
    )
    return built


def test_ticked_calendars_choose_what_is_shown_and_are_remembered(admin_client, w):
    month = reverse("agenda:month") + "?date=2027-01-04"
    html = admin_client.get(month).content.decode()
    assert 'aria-label="Filter calendars"' in html
    for cal in (w["grace_cal"], w["tina_cal"], w["diary"]):
        assert f'name="calendars" value="{cal.pk}"' in html and escape(cal.name) in html
    course, appt = w["bookings"][0], w["appointments"][0]
    assert course.reference in html and appt.reference in html  # nothing chosen yet: all
    assert "Dentist" in html  # the busy block of a calendar seen
    url = f"{reverse('calendars:choose')}?next={quote(month)}"  # the form's action
    response = submit(admin_client, url, {"calendars": [w["grace_cal"].pk]}, page=month)
    assert response.status_code == 302 and response["Location"] == month
    for _ in range(2):  # remembered: the next visit (a reload) shows the same
        html = admin_client.get(month).content.decode()
        assert appt.reference in html and course.reference not in html
        assert "Dentist" not in html
        assert f'value="{w["grace_cal"].pk}" id="cal-{w["grace_cal"].pk}" checked' in html
    submit(admin_client, url, {"calendars": [w["tina_cal"].pk, w["diary"].pk]}, page=month)
    html = admin_client.get(month).content.decode()
    assert course.reference in html and appt.reference not in html and "Dentist" in html


def test_a_clash_with_a_busy_block_is_warned_before_confirm(admin_client, w):
    booking = w["appointments"][0]
    seat = booking.seats.get()
    url = reverse("agenda:appointment_reschedule", args=[booking.pk])
    html = admin_client.get(f"{url}?seat={seat.pk}&date=2027-01-12").content.decode()
    assert "Warning: clashes with “Dentist” 16:45–18:00 (Ada&#x27;s diary)" in html


def test_the_filter_refuses_calendars_that_do_not_exist(admin_client, w):
    month = reverse("agenda:month")
    url = f"{reverse('calendars:choose')}?next={quote(month)}"
    response = submit(admin_client, url, {"calendars": ["987654", "abc"]}, page=month)
    assert response.status_code == 200  # the choice page again, with the error
    html = admin_client.get(month).content.decode()
    assert w["bookings"][0].reference in html and w["appointments"][0].reference in html
