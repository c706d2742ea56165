"""Seed 002, way 4 ("Sending an Invitation for Group Appointments") in headless Chromium:
the office sends the invite from the booking's Group section; the family follows the link
read from the outbox, logs in with the family account, chooses the student and joins."""

import datetime

import pytest
from django.urls import reverse

from appointments.models import AppointmentBooking, GroupInvitation
from appointments.recurrence import local_today
from appointments.services import appointment_book
from appointments.states import BookingFrequency, BookingSource

from .factories import AppointmentTypeFactory, ContactFactory, FamilyFactory, timeslot
from .invitation_helpers import family_login, link_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect


def _log_in(page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()


def test_seed_group_appointment_invitation(page, browser, live_server, admin_user, needs_chromium):
    start = local_today() + datetime.timedelta(days=7)
    slot = timeslot(
        admin_user,
        appointment_type=AppointmentTypeFactory(name="Group piano", capacity=3),
        capacity=3,
        weekdays=(start.weekday(),),
        start_date=start,
    )
    group = appointment_book(
        actor=admin_user,
        student=ContactFactory(family=FamilyFactory(), first_name="Ola", last_name="Host"),
        timeslot=slot,
        frequency=BookingFrequency.RECURRING,
        start_date=start,
        end_date=start + datetime.timedelta(days=21),
    )
    _, _, (mia, _) = family_login(
        "thompsons", email="thompson@example.test", students=("Mia Thompson", "Leo Thompson")
    )

    # 1. The office opens the group booking (its Group section) ...
    page.goto(live_server.url + reverse("appointments:invite_send", args=[group.pk]))
    _log_in(page, "alice.admin")
    group_section = page.get_by_role("region", name="Group")
    expect(group_section).to_be_visible()
    # 2. ... enters the family's account email and the student's name ...
    group_section.get_by_label("Email").fill("thompson@example.test")
    group_section.get_by_label("Student name").fill("Mia Thompson")
    # 3. ... and clicks SEND INVITE.
    group_section.get_by_role("button", name="Send Invite").click()
    expect(page.get_by_text("Invitation sent to thompson@example.test.")).to_be_visible()
    expect(page.get_by_role("table", name="Invitations sent")).to_contain_text("Pending")
    invitation = GroupInvitation.objects.get()

    # The family reads the email and follows its link (not logged in: a new browser).
    family = browser.new_context()
    try:
        tab = family.new_page()
        tab.goto(live_server.url + link_path(invitation))
        expect(tab.get_by_role("heading", name="Group appointment invitation")).to_be_visible()
        tab.get_by_role("link", name="Log in").click()
        _log_in(tab, "thompsons")  # back to the invitation
        # Logged in: choose the student who shares the appointment, then Join.
        tab.get_by_label("Mia Thompson").check()
        tab.get_by_role("button", name="Join").click()
        expect(tab.get_by_text("Mia Thompson has joined the group appointment")).to_be_visible()
        joined = AppointmentBooking.objects.get(student=mia)
        expect(tab.get_by_role("heading", name=f"Appointment {joined.reference}")).to_be_visible()
        # The portal home lists the appointment.
        tab.get_by_role("link", name="Back to my bookings").click()
        expect(tab.get_by_role("table", name="Your appointment bookings")).to_contain_text(
            joined.reference
        )
    finally:
        family.close()

    assert joined.source == BookingSource.INVITATION and joined.timeslot == slot
    assert [s.occurrence.date for s in joined.seats.select_related("occurrence")] == [
        s.occurrence.date for s in group.seats.select_related("occurrence")
    ]
    invitation.refresh_from_db()
    assert invitation.accepted_booking == joined
    # The office sees it accepted.
    page.reload()
    expect(page.get_by_role("table", name="Invitations sent")).to_contain_text("Accepted")
