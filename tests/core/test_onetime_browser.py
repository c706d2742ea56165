"""One-time forms in headless Chromium: a plain form's submit button is disabled while its
post runs (static/js/once.js), and a double click makes one contact."""

import pytest

from contacts.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect


def _login(page, live_server):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("alice.admin")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()


def test_a_plain_form_disables_its_button_while_posting(
    needs_chromium, live_server, page, admin_user
):
    _login(page, live_server)
    page.goto(f"{live_server.url}/contacts/new/")
    # Keep the page: a listener after once.js's (on window) cancels the navigation.
    page.evaluate("window.addEventListener('submit', (e) => e.preventDefault())")
    save = page.get_by_role("button", name="Save")
    expect(save).to_be_enabled()
    save.click()
    expect(save).to_be_disabled()


def test_a_double_click_makes_one_contact(needs_chromium, live_server, page, admin_user):
    _login(page, live_server)
    page.goto(f"{live_server.url}/contacts/new/")
    page.get_by_label("First name").fill("Ann")
    page.get_by_label("Last name").fill("Smith")
    page.get_by_role("button", name="Save").dblclick()
    expect(page.locator("#messages")).to_contain_text("Contact Ann Smith created.")
    assert Contact.objects.count() == 1


def test_a_status_button_sends_its_token_with_htmx(needs_chromium, live_server, page, admin_user):
    import datetime

    from django.utils import timezone

    from bookings import services
    from bookings.models import Booking, BookingStatus
    from tests.bookings.factories import ContactFactory, ScheduleFactory

    started = ScheduleFactory(start_at=timezone.now() - datetime.timedelta(hours=2))
    booking = services.booking_create(
        actor=admin_user, kind="individual", schedule=started, student=ContactFactory()
    )
    _login(page, live_server)
    page.goto(f"{live_server.url}/bookings/{booking.pk}/")
    page.get_by_role("button", name="Mark completed").dblclick()
    expect(page.locator("#messages")).to_contain_text(f"Booking {booking.reference} is now")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.COMPLETED
