"""The one browser test of issue 2: log in, open Contacts, find a contact by mobile."""

import re

import pytest
from playwright.sync_api import expect

from .factories import ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_a_contact_by_mobile_through_the_live_search(
    needs_chromium, live_server, page, admin_user
):
    ContactFactory(first_name="Ann", last_name="Smith", mobile="07700 900123")
    ContactFactory(first_name="Bob", last_name="Brown", mobile="07700 900456")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(admin_user.username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Contacts").click()
    page.wait_for_url(re.compile(r"/contacts/$"))
    search = page.get_by_label("Search contacts")
    search.press_sequentially("+44 7700 900123", delay=20)

    results = page.locator("#contact-results")
    # Before searching every contact is listed; the live search (HTMX, no page load) narrows
    # the results to Ann and puts the query in the address bar.
    expect(results).to_contain_text("matching “+44 7700 900123”")
    expect(results.get_by_role("link", name="Ann Smith")).to_be_visible()
    expect(results.get_by_role("link", name="Bob Brown")).to_have_count(0)
    expect(results).to_contain_text("07700 900123")
    expect(page).to_have_url(re.compile(r"q=%2B44"))


def test_picker_by_keyboard_adds_a_member(needs_chromium, live_server, page, client, admin_user):
    from contacts.models import Membership

    from .factories import OrganisationFactory

    org = OrganisationFactory(name="Acme Ltd")
    ann = ContactFactory(first_name="Ann", last_name="Smith", mobile="07700 900123")
    client.force_login(admin_user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/contacts/organisations/{org.pk}/")
    page.evaluate("document.addEventListener('picked', e => { window.lastPicked = e.detail; })")
    box = page.get_by_label("Contact", exact=True)
    box.press_sequentially("7700900123", delay=20)
    suggestion = page.get_by_role("button", name=re.compile("Ann Smith"))
    expect(suggestion).to_be_visible()
    expect(page.locator("[data-picker-status]")).to_have_text("1 suggestion")
    box.press("ArrowDown")
    expect(suggestion).to_be_focused()
    page.keyboard.press("Enter")
    change = page.get_by_role("button", name="Change Contact")
    expect(change).to_be_focused()
    assert page.locator("input[type=hidden][name=contact]").input_value() == str(ann.pk)
    assert page.evaluate("window.lastPicked") == {
        "id": str(ann.pk),
        "label": "Ann Smith",
        "name": "contact",
    }
    page.get_by_role("button", name="Add member").click()
    expect(page.locator("#messages")).to_contain_text("Ann Smith added.")
    assert Membership.objects.filter(organisation=org, contact=ann).exists()
