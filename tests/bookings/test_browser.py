"""The seed's user guide (000), step by step and word for word, in headless Chromium.

Go to the website; log in as an admin; profile picture dropdown -> "My account"; left menu
"Bookings"; "Add booking"; then the individual and the group walk-throughs. Afterwards the
booking, its invoice and the outbox are checked in the database.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import Booking, BookingStatus, BookingType, PlaceState
from invoicing.models import Invoice
from notifications.models import OutboxMessage

from .factories import ContactFactory, ScheduleFactory, organisation_with_members

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def world(admin_user):
    now = timezone.now()
    ScheduleFactory(
        code="OLD-001",
        start_at=now - datetime.timedelta(days=30),
        end_at=now - datetime.timedelta(days=29),
    )
    full = ScheduleFactory(code="FULL-01", capacity=1, start_at=now + datetime.timedelta(days=3))
    services.booking_create(
        actor=admin_user, kind="individual", schedule=full, student=ContactFactory(email="")
    )
    schedule = ScheduleFactory(code="FA-2031", start_at=now + datetime.timedelta(days=5))
    return {"schedule": schedule}


def _go_to_add_booking(page, live_server):
    page.goto(live_server.url + "/")  # Go to the website
    page.get_by_label("Username").fill("alice.admin")  # Login as an admin
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.locator("summary.profile-menu, details.profile-menu summary").first.click()
    page.get_by_role("link", name="My account").click()  # profile picture dropdown
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Bookings").click()
    page.get_by_role("link", name="Add booking").click()  # Click ADD BOOKING
    expect(page.get_by_role("heading", name="Create a new booking")).to_be_visible()


def _settled(page):
    """Wait until HTMX has wired up the form it just swapped in (a robot types faster than
    HTMX settles; a person never does)."""
    page.wait_for_function(
        """() => {
            const form = document.getElementById("booking-form");
            if (!form || document.querySelector(".htmx-request, .htmx-settling, .htmx-swapping"))
                return false;
            return [form, ...form.querySelectorAll("[hx-get], [hx-post]")].every(
                (el) => el["htmx-internal-data"] && el["htmx-internal-data"].initHash);
        }"""
    )


def _pick(page, label: str, text: str, choice: str, field: str, pk: int):
    _settled(page)
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    page.get_by_role("button", name=re.compile(re.escape(choice))).first.click()
    # The form re-renders from the server with the choice (an attribute, not only the JS value).
    expect(page.locator(f'input[type=hidden][name="{field}"][value="{pk}"]')).to_be_attached()
    _settled(page)


def _select_schedule_and_book(page, schedule, po: str, people: int):
    # Select a schedule: the filter offers All, Past, Upcoming, In progress / Upcoming
    when = page.get_by_role("combobox", name="Show schedules")
    for label in ("All", "Past", "Upcoming", "In progress / Upcoming"):
        expect(when.locator("option", has_text=label).first).to_be_attached()
    _settled(page)
    when.select_option(label="Past")
    expect(page.get_by_role("cell", name="OLD-001", exact=True)).to_be_visible()
    _settled(page)
    when.select_option(label="In progress / Upcoming")
    expect(page.get_by_role("cell", name=schedule.code, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="FULL-01 is full")).to_be_disabled()
    _settled(page)
    page.get_by_role("button", name=f"Select {schedule.code}").click()  # 'Select'
    # Payment details: review, Purchase order number, Book
    payment = page.locator("#payment-details")
    expect(payment.get_by_role("heading", name="Payment details")).to_be_visible()
    expect(payment).to_contain_text(f"Number of delegates{people}")
    expect(payment).to_contain_text(f"£{Decimal('120.00') * people:.2f}")
    _settled(page)
    page.get_by_label("Purchase order number").fill(po)
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"Booking BK\d+"))).to_be_visible()


def test_seed_individual_booking(page, live_server, world, needs_chromium):
    schedule = world["schedule"]
    student = ContactFactory(
        first_name="Ann", last_name="Lee", mobile="07700 900123", email="ann.lee@example.test"
    )
    _go_to_add_booking(page, live_server)
    # From the Booking Type dropdown list, select Booking for a single student.
    page.get_by_role("combobox", name="Booking Type").select_option(
        label="Booking for a single student"
    )
    # Search by the student's First/Last name or mobile number and select from the suggestions.
    _pick(page, "Student name", "07700 900123", "Ann Lee", "student", student.pk)
    expect(page.get_by_role("heading", name="Select a schedule")).to_be_visible()
    _select_schedule_and_book(page, schedule, "PO-IND-1", 1)

    booking = Booking.objects.exclude(schedule__code="FULL-01").get()
    assert booking.kind == BookingType.INDIVIDUAL and booking.status == BookingStatus.CONFIRMED
    assert booking.places.get().contact == student and booking.po_number == "PO-IND-1"
    invoice = Invoice.objects.get(booking=booking)
    assert invoice.outstanding == Decimal("120.00") and invoice.status == "Outstanding"
    assert [m.to for m in OutboxMessage.objects.all()] == [["ann.lee@example.test"]]
    expect(page.locator("body")).to_contain_text(invoice.display_no)
    expect(page.locator("body")).to_contain_text("Booking confirmed")


def test_seed_group_booking(page, live_server, world, needs_chromium):
    schedule = world["schedule"]
    org, people = organisation_with_members(3, name="Globex Training Co")
    lead, d1, d2 = people
    ContactFactory(first_name="Olly", last_name="Outsider")
    _go_to_add_booking(page, live_server)
    page.get_by_role("combobox", name="Booking Type").select_option(
        label="Organization booking for multiple delegates"
    )
    _pick(page, "Organization name", "Globex", "Globex Training Co", "organisation", org.pk)
    # Enter the lead booker's last name or first name and select from the suggestions.
    _pick(page, "Lead booker", lead.last_name, lead.full_name, "lead_booker", lead.pk)
    # Select delegate + Add delegate, repeated; only linked contacts are offered.
    page.get_by_label("Select delegate", exact=True).fill("Olly")
    expect(page.locator("#picker-delegate li[data-picker-empty]")).to_have_text(
        "No matching contacts."
    )
    for d in (d1, d2):
        _pick(page, "Select delegate", d.first_name, d.full_name, "delegate", d.pk)
        page.get_by_role("button", name="Add delegate").click()
        _settled(page)
        expect(page.get_by_role("button", name=f"Remove {d.full_name}")).to_be_visible()
    _select_schedule_and_book(page, schedule, "PO-GRP-7", 2)

    booking = Booking.objects.exclude(schedule__code="FULL-01").get()
    assert booking.kind == BookingType.GROUP and booking.lead_booker == lead
    assert booking.organisation == org and booking.po_number == "PO-GRP-7"
    assert [p.contact for p in booking.places.order_by("pk")] == [d1, d2]
    assert set(booking.places.values_list("state", flat=True)) == {PlaceState.BOOKED}
    invoice = Invoice.objects.get(booking=booking)
    assert invoice.outstanding == Decimal("240.00") and invoice.lines.count() == 2
    recipients = sorted(m.to[0] for m in OutboxMessage.objects.all())
    assert recipients == sorted([lead.email, d1.email, d2.email])
    lead_mail = OutboxMessage.objects.get(to=[lead.email])
    assert d1.full_name in lead_mail.body and d2.full_name in lead_mail.body
    expect(page.locator("body")).to_contain_text(invoice.display_no)
