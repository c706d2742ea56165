"""The calendar in Chromium (seed 003, word for word): month, week and day views (axe-core
clean, WCAG 2.1 AA), arrow keys between days, the filter icon's checkboxes (remembered after a
reload), a booking's details in the dialog, and "Reschedule" with a reason, "Confirm Booking".
"""

import datetime

import pytest

from appointments.models import Occurrence
from calendars.services import calendar_for_staff
from core.models import AuditEvent
from tests.core.test_accessibility import AXE, AXE_RUN, WCAG_TAGS

from . import world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def browser_context_args(browser_context_args):
    # axe is injected as an inline script, which the Content-Security-Policy refuses (as it
    # should: tests/core/test_csp_browser.py checks the policy, this file does not).
    return {**browser_context_args, "bypass_csp": True}


def _axe(page, where: str) -> list[str]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return [
        f"{where}: {v['id']} [{v['impact']}] {v['help']} -> {', '.join(v['targets'])}"
        for v in page.evaluate(AXE_RUN, WCAG_TAGS)
    ]


def _settled(page):
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"
    )


def test_calendar_views_filter_details_and_reschedule(
    page, live_server, admin_user, needs_chromium
):
    w = world.build(admin_user)
    grace, tina = calendar_for_staff(w["staff"]), calendar_for_staff(w["trainer"])
    course, appt = w["bookings"][0], w["appointments"][0]
    problems: list[str] = []

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice.admin")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    # Go to Calendar menu
    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Calendar", exact=True
    ).click()
    expect(page.get_by_role("heading", name="Calendar", exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/calendar/?date=2027-01-04")
    grid = page.locator("table.agenda-grid")
    expect(grid.get_by_role("columnheader", name="Mon")).to_be_visible()
    expect(grid).to_contain_text(course.reference)
    expect(grid).to_contain_text(appt.reference)
    expect(page.get_by_role("heading", name="Booking statuses")).to_be_visible()
    problems += _axe(page, "month")

    # Arrow keys move between days.
    page.locator('td[data-day="2027-01-06"] a.agenda-day').focus()
    page.keyboard.press("ArrowRight")
    day = page.evaluate("document.activeElement.closest('td').dataset.day")
    assert day == "2027-01-07"
    page.keyboard.press("ArrowDown")  # into the day's bookings first
    assert course.reference in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("ArrowDown")  # then the same weekday of the next week
    assert page.evaluate("document.activeElement.closest('td').dataset.day") == "2027-01-14"
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.closest('td').dataset.day") == "2027-01-13"

    # Week and day views (HTMX swaps; the links are real links too).
    page.get_by_role("navigation", name="Calendar view").get_by_role("link", name="Week").click()
    expect(page.locator("table.agenda-week")).to_be_visible()
    _settled(page)
    expect(page.locator("table.agenda-week")).to_contain_text(course.reference)
    problems += _axe(page, "week")
    page.get_by_role("navigation", name="Calendar view").get_by_role("link", name="Day").click()
    expect(page.locator("table.agenda-day")).to_be_visible()
    _settled(page)
    problems += _axe(page, "day")
    page.get_by_role("link", name="Next").click()
    _settled(page)
    expect(page.get_by_role("heading", name="Tuesday 5 January 2027", exact=True)).to_be_visible()

    # The filter icon: untick Tina's calendar; the choice is remembered after a reload.
    page.goto(f"{live_server.url}/calendar/?date=2027-01-04")
    page.get_by_label("Filter calendars").click()
    expect(page.get_by_label(tina.name)).to_be_checked()
    page.get_by_label(tina.name).uncheck()
    page.get_by_role("button", name="Show ticked calendars").click()
    expect(page.locator("table.agenda-grid")).not_to_contain_text(course.reference)
    page.reload()
    expect(page.locator("table.agenda-grid")).not_to_contain_text(course.reference)
    expect(page.locator("table.agenda-grid")).to_contain_text(appt.reference)
    page.get_by_label("Filter calendars").click()
    expect(page.get_by_label(tina.name)).not_to_be_checked()
    expect(page.get_by_label(grace.name)).to_be_checked()
    page.get_by_label("Filter calendars").click()

    # Select the booking: its details open in the dialog.
    page.locator("table.agenda-grid").get_by_role("link", name=appt.reference).first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Piano lesson")
    expect(dialog).to_contain_text("Confirmed")
    problems += _axe(page, "details dialog")
    # Reschedule: pick the date and time, give a reason, "Confirm Booking".
    dialog.get_by_role("link", name="Reschedule").click()
    expect(page.get_by_role("heading", name=f"Reschedule · {appt.reference}")).to_be_visible()
    page.get_by_label("New date").fill("2027-01-12")
    page.get_by_role("button", name="Show available times").click()
    page.get_by_label("17:00–17:30 with Ada").check()
    page.get_by_label("Reschedule reason").fill("Grace is at a concert")
    problems += _axe(page, "reschedule")
    page.get_by_role("button", name="Confirm Booking").click()
    expect(page.locator("body")).to_contain_text(f"Booking {appt.reference} rescheduled")
    new = Occurrence.objects.get(timeslot=w["timeslot2"], date=datetime.date(2027, 1, 12))
    assert appt.seats.get().occurrence_id == new.pk
    assert AuditEvent.objects.for_object(appt).filter(reason="Grace is at a concert").exists()
    assert not problems, "\n".join(problems)
