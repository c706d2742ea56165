"""Seed 002, ways 1 and 2, in headless Chromium: a family with two students -> "New
appointment booking" -> choose the student -> a date -> "Select" -> Non-Recurring -> "Save";
and the Appointments page -> "Book" -> "Select Student" -> "Save & Charge"."""

import datetime
import re

import pytest

from appointments.models import AppointmentBooking
from appointments.recurrence import local_today
from appointments.states import BookingFrequency

from .factories import ContactFactory, FamilyFactory, staff_member, timeslot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def world(admin_user):
    """A timeslot every day at 16:00 from today (so tomorrow always has one)."""
    today = local_today()
    slot = timeslot(
        admin_user,
        staff=staff_member("Grace"),
        weekdays=range(7),
        start_date=today,
        start_time=datetime.time(16, 0),
        today=today,
    )
    return {"slot": slot, "tomorrow": today + datetime.timedelta(days=1)}


def _login(page, live_server):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("alice.admin")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()


def _settled(page):
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"
    )


def test_way_1_from_a_family_with_two_students(page, live_server, world, needs_chromium):
    family = FamilyFactory(name="Thompson family")
    mia = ContactFactory(family=family, first_name="Mia", last_name="Thompson")
    ContactFactory(family=family, first_name="Leo", last_name="Thompson")
    tomorrow = world["tomorrow"]
    _login(page, live_server)
    page.goto(f"{live_server.url}/contacts/families/{family.pk}/")
    expect(page.get_by_role("heading", name="Enrollments")).to_be_visible()
    page.get_by_role("link", name="New appointment booking").click()
    expect(page.get_by_role("heading", name="Create Appointment Booking")).to_be_visible()
    page.get_by_role("link", name="Mia Thompson").click()  # which student?
    date = page.get_by_label("Date", exact=True)
    expect(date).to_have_value(local_today().isoformat())  # defaults to today
    _settled(page)
    date.fill(tomorrow.isoformat())
    date.dispatch_event("change")
    when = f"on {tomorrow.day} {tomorrow:%b %Y} at 16:00"
    select = page.get_by_role("link", name=re.compile(re.escape(when)))
    expect(select).to_be_visible()
    select.click()
    expect(page.get_by_text("Student: Mia Thompson")).to_be_visible()
    _settled(page)
    page.get_by_label("Non-Recurring").check()
    end = page.get_by_label("End Date (optional)")
    expect(end).to_have_value(tomorrow.isoformat())  # End Date = Start Date
    expect(page.locator("#date-selection input[name=dates]")).to_have_count(1)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("saved for Mia Thompson")).to_be_visible()
    booking = AppointmentBooking.objects.get()
    assert booking.student == mia and booking.frequency == BookingFrequency.NON_RECURRING
    assert [s.occurrence.date for s in booking.seats.select_related("occurrence")] == [tomorrow]
    assert page.url.endswith(f"/appointments/bookings/{booking.pk}/")


def test_way_2_from_the_appointments_page(page, live_server, world, needs_chromium):
    ann = ContactFactory(first_name="Annabel", last_name="Lee")
    tomorrow = world["tomorrow"]
    _login(page, live_server)
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("link", name="Appointments").click()
    expect(page.get_by_role("heading", name="Appointments", exact=True)).to_be_visible()
    page.get_by_role("link", name="Next day").click()
    day = page.get_by_role("heading", name=re.compile(f"{tomorrow:%A} {tomorrow.day}"))
    expect(day).to_be_visible()
    _settled(page)
    page.get_by_role("link", name=re.compile("^Book ")).first.click()
    expect(page.get_by_role("heading", name="Book Appointment")).to_be_visible()
    _settled(page)
    page.locator("#picker-select_student-q").fill("Annabel")
    page.get_by_role("button", name=re.compile("Annabel Lee")).first.click()
    expect(page.locator('input[type=hidden][name="select_student"]')).to_have_value(str(ann.pk))
    page.get_by_label("Non-Recurring").check()
    expect(page.locator("#date-selection input[name=dates]")).to_have_count(1)
    _settled(page)
    page.get_by_role("button", name="Save & Charge").click()
    page.wait_for_url(re.compile(r"/appointments/bookings/\d+/charge/$"))
    booking = AppointmentBooking.objects.get()
    assert booking.student == ann
    assert page.url.endswith(f"/appointments/bookings/{booking.pk}/charge/")
