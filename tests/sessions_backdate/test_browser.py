"""The seed's user guide (001, "Backdating a Session"), step by step and word for word, in
headless Chromium, for a multi-attendee service ("2 on 1 Personal Training Session"):

Admin View -> Sales -> "Unused Sessions" -> find the client -> "View Unused Sessions" ->
"All Sessions for HW000123" with "Unallocated" sessions -> "Book Session" -> "Consultant",
"Dates", "Show Available Timeslots" -> select the timeslot -> "Confirm Booking Times" ->
"Confirm Attendance": "Attended" -> "Confirm Booking Times" -> back on the order's sessions,
showing the booking. Then the database: both attendees attended, one session used, the
consultant notified once.
"""

import datetime

import pytest

from appointments.models import Pack, Seat
from appointments.recurrence import local_today
from appointments.states import AttendanceStatus
from notifications.models import OutboxMessage
from sessions_backdate.models import BackdateNotice, OrderSession

from .factories import AppointmentTypeFactory, ContactFactory, consultant_slot, order, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def world(admin_user):
    today = local_today()
    service = AppointmentTypeFactory(
        name="2 on 1 Personal Training Session", attendees=2, capacity=2, duration_minutes=60
    )
    consultant = staff_member("Maya")
    slot = consultant_slot(
        admin_user, staff=consultant, service=service, start=today - datetime.timedelta(days=21)
    )
    staff_member("Tom")  # another consultant, without timeslots: not offered
    ann = ContactFactory(first_name="Ann", last_name="Lee")
    ben = ContactFactory(first_name="Ben", last_name="Lee")
    for _ in range(3):
        order(service=service)  # other clients' orders
    pack = order(service=service, client=ann, attendees=[ben], size=4)
    attended = today - datetime.timedelta(days=7)
    return {"pack": pack, "slot": slot, "consultant": consultant, "day": attended}


def test_seed_backdating_a_multi_attendee_session(page, live_server, world, needs_chromium):
    pack, day, consultant = world["pack"], world["day"], world["consultant"]
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("alice.admin")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    menu = page.get_by_role("navigation", name="Main menu")
    expect(menu.get_by_text("Sales", exact=True)).to_be_visible()  # hover over Sales
    menu.get_by_role("link", name="Unused Sessions").click()  # Click on Unused Sessions
    expect(page.get_by_role("heading", name="Unused Sessions")).to_be_visible()
    # Find the Client: search for them
    page.get_by_label("Client or order number").fill("Ann Lee")
    page.get_by_role("button", name="Search").click()
    row = page.get_by_role("row").filter(has_text=pack.reference)
    expect(row).to_be_visible()
    expect(page.get_by_role("row")).to_have_count(2)  # the header and Ann's order
    row.get_by_role("link", name="View Unused Sessions").click()
    expect(page.get_by_role("heading", name=f"All Sessions for {pack.reference}")).to_be_visible()
    expect(page.get_by_role("cell", name="Unallocated")).to_have_count(4)
    expect(page.get_by_text("booked for all 2 attendees")).to_be_visible()
    page.get_by_role("link", name="Book Session 1", exact=True).click()  # the booking calendar
    page.get_by_label("Consultant").select_option(label=consultant.get_full_name())
    monday = day - datetime.timedelta(days=day.weekday())
    page.get_by_label("Dates").select_option(value=monday.isoformat())
    page.get_by_role("button", name="Show Available Timeslots").click()
    slot = page.get_by_label(f"{day:%a} {day.day} {day:%b %Y} 10:00–11:00", exact=False)
    expect(slot).to_be_visible()
    slot.check()  # Select the timeslot for the appropriate day
    page.get_by_role("button", name="Confirm Booking Times").click()
    expect(
        page.get_by_role("heading", name="Confirm Attendance", exact=False).first
    ).to_be_visible()
    expect(page.get_by_text("Ann Lee, Ben Lee")).to_be_visible()  # the session's details
    actions = page.get_by_role("group", name="Actions")
    for label in ("Pending", "Attended", "Absent", "Cancelled"):
        expect(actions.get_by_label(label, exact=True)).to_be_visible()
    actions.get_by_label("Attended", exact=True).check()  # Ensure Attended is selected
    page.get_by_role("button", name="Confirm Booking Times").click()
    expect(page.get_by_role("heading", name=f"All Sessions for {pack.reference}")).to_be_visible()
    booked = page.get_by_role("row").filter(has_text="Attended")
    expect(booked).to_have_count(1)
    expect(booked).to_contain_text(f"{day:%a} {day.day} {day:%b %Y}")
    expect(booked).to_contain_text("10:00–11:00")
    expect(page.get_by_role("cell", name="Unallocated")).to_have_count(3)

    session = OrderSession.objects.get()
    assert session.attendance == AttendanceStatus.ATTENDED and session.backdated
    assert list(Seat.objects.values_list("attendance", flat=True)) == ["attended"] * 2
    assert Pack.objects.get(pk=pack.pk).used == 1
    assert BackdateNotice.objects.filter(provider=consultant).count() == 1
    assert OutboxMessage.objects.filter(template_key="session_backdated").count() == 1
