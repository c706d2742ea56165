"""Seed 002, way 3, in headless Chromium: "Redeeming a Punch Pass for an Appointment Booking".
From the family page: "Redeem" on the pass -> the redeemable timeslots (the student to book
chosen) -> "Select" a timeslot (by keyboard) -> "Redeem" -> a one-time booking at that date
and time exists, and the pass shows one punch less."""

import datetime
import re

import pytest

from appointments.models import AppointmentBooking, Occurrence, Pack
from appointments.states import BookingFrequency, BookingSource

from .factories import AppointmentTypeFactory, ContactFactory, FamilyFactory, PackFactory, timeslot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect


def _settled(page):
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"
    )


def test_seed_redeem_a_punch_pass_from_the_family_page(
    page, live_server, admin_user, needs_chromium
):
    family = FamilyFactory(name="The Lee family")
    ContactFactory(family=family, first_name="Ann", last_name="Lee")
    bob = ContactFactory(family=family, first_name="Bob", last_name="Lee")
    pack = PackFactory(family=family, size=5, valid_from=datetime.date.today())
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    slot = timeslot(
        admin_user,
        appointment_type=AppointmentTypeFactory(name="Piano lesson"),
        weekdays=(tomorrow.weekday(),),
        start_date=tomorrow,
    )
    occurrence = Occurrence.objects.get(timeslot=slot, date=tomorrow)

    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("alice.admin")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + f"/contacts/families/{family.pk}/")
    passes = page.locator("#punch-passes")
    expect(passes.get_by_role("heading", name="Punch passes")).to_be_visible()
    expect(passes.get_by_role("row", name=re.compile(pack.reference))).to_contain_text("0 / 5")
    passes.get_by_role("link", name=f"Redeem {pack.reference}").click()

    expect(page.get_by_role("heading", name=f"Redeem · {pack.reference}")).to_be_visible()
    student = page.get_by_label("Student")
    expect(student).to_have_value(str(family.students.order_by("first_name").first().pk))
    student.select_option(label="Bob Lee")  # the results follow (HTMX)
    _settled(page)
    expect(page).to_have_url(re.compile(rf"student={bob.pk}"))
    when = occurrence.local_start.strftime("%a %-d %b %Y %H:%M")
    select = page.get_by_role("link", name=f"Select Piano lesson {when}")
    select.focus()
    page.keyboard.press("Enter")  # keyboard only

    expect(page.get_by_role("heading", name=re.compile(r"^Redeem – "))).to_be_visible()
    expect(page.locator("#action-form")).to_contain_text("4 of 5 left after")
    expect(page.get_by_label("Student")).to_have_value(str(bob.pk))
    page.get_by_role("button", name="Redeem", exact=True).click()

    expect(page.locator("body")).to_contain_text(f"Booked Bob Lee on {when}")
    booking = AppointmentBooking.objects.get()
    assert (booking.student, booking.pack, booking.source) == (bob, pack, BookingSource.PUNCH_PASS)
    assert booking.frequency == BookingFrequency.NON_RECURRING
    assert booking.start_date == booking.end_date == tomorrow
    assert [s.occurrence_id for s in booking.seats.all()] == [occurrence.pk]
    assert Pack.objects.get(pk=pack.pk).remaining == 4
    page.goto(live_server.url + f"/contacts/families/{family.pk}/")
    row = page.locator("#punch-passes").get_by_role("row", name=re.compile(pack.reference))
    expect(row).to_contain_text("1 / 5")
    expect(row).to_contain_text(booking.reference)
