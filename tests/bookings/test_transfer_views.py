"""The "Transfer" page (SPEC 5 through SPEC 10): the booking page offers it per booked delegate,
the preview shows every document, allocation, balance, email and history entry and writes
nothing; confirm writes exactly that; refusals show their message, never a 500."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from bookings.models import BookingPlace, PlaceState
from invoicing.models import CreditNote, Invoice
from notifications.models import OutboxMessage
from tests.actions import HX, confirm, ledger_counts, preview

from .transfers import (
    book_group,
    book_one,
    booked,
    first_invoice,
    pay,
    schedule_at,
    transfer,
)

pytestmark = pytest.mark.django_db


def url_of(booking, place) -> str:
    return reverse("bookings:transfer", args=[booking.pk, place.pk])


def test_booking_page_offers_transfer_per_booked_delegate(admin_client, admin_user):
    booking = book_group(admin_user, schedule_at("100.00"), 2)
    first, second = booked(booking)
    html = admin_client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()
    assert url_of(booking, first) in html and url_of(booking, second) in html
    assert f'aria-label="Transfer {first.contact.full_name}"' in html


def test_the_form_lists_upcoming_schedules_with_places_left_only(admin_client, admin_user):
    a = schedule_at("100.00")
    open_one, full = schedule_at("30.00"), schedule_at("30.00", capacity=1)
    book_one(admin_user, full)
    booking = book_one(admin_user, a)
    html = admin_client.get(url_of(booking, booked(booking)[0])).content.decode()
    assert "New schedule" in html and "Transfer fee (net, optional)" in html
    assert f'value="{open_one.pk}"' in html
    assert f'value="{full.pk}"' not in html and f'value="{a.pk}"' not in html


def test_preview_shows_every_document_then_confirm_writes_it(admin_client, admin_user):
    """SPEC 5 example 1 through the page."""
    a, b = schedule_at("100.00"), schedule_at("30.00")
    booking = book_one(admin_user, a)
    old = first_invoice(booking)
    payment = pay(admin_user, old, "50.00")
    place = booked(booking)[0]
    url = url_of(booking, place)
    before = ledger_counts()

    shown = preview(admin_client, url, {"schedule": b.pk, "fee": "10", "reason": "Later"}, **HX)

    html = shown.content.decode()
    assert ledger_counts() == before  # nothing written, no number taken, no email queued
    place.refresh_from_db()
    assert place.state == PlaceState.BOOKED
    for text in [
        "Credit note CN-000001 (provisional number)", f"Credits {old.display_no}",
        "Transfer invoice INV-000002 (provisional number)", f"Replaces {old.display_no}",
        "Transfer fee", "£30.00", "£10.00", "£40.00",
        "Money allocated", payment.display_no,
        "£0.00 → £100.00",  # the old invoice credited in full
        "£0.00 → £10.00",  # and left with a 10.00 overpayment
        "Part Completed → Completed",
        "Emails to be sent", place.contact.email, "Your booking has moved",
        "History to be recorded", f"Transferred {place.contact.full_name}",
        "Confirm: Transfer",
    ]:  # fmt: skip
        assert text in html, text

    r = confirm(admin_client, url, shown, **HX)

    assert r.status_code == 204
    place.refresh_from_db()
    assert place.state == PlaceState.TRANSFERRED
    new = Invoice.objects.get(kind="transfer")
    assert (new.display_no, new.gross_total, new.paid_total) == (
        "INV-000002",
        D("40.00"),
        D("40.00"),
    )
    assert CreditNote.objects.get().display_no == "CN-000001"
    old.refresh_from_db()
    assert old.overpayment == D("10.00")
    # a second click on the same confirm changes nothing: the page of the first one
    counts = ledger_counts()
    again = confirm(admin_client, url, shown, **HX)
    assert again.status_code == 204 and again["HX-Redirect"] == r["HX-Redirect"]
    assert ledger_counts() == counts
    assert BookingPlace.objects.filter(booking=booking).count() == 2


def test_refusals_show_their_message(admin_client, admin_user):
    a, b = schedule_at("100.00"), schedule_at("100.00")
    booking = book_one(
        admin_user, a, discount_kind="percent", discount_value=D("10"), discount_reason="r"
    )
    url = url_of(booking, booked(booking)[0])
    assert "cancel the delegate and rebook" in admin_client.get(url).content.decode()
    before = ledger_counts()
    html = preview(admin_client, url, {"schedule": b.pk, "reason": "x"}).content.decode()
    assert "cancel the delegate and rebook" in html
    assert "Confirm: Transfer" not in html
    assert ledger_counts() == before


def test_bad_input_is_a_clear_message_never_a_500(admin_client, admin_user):
    a = schedule_at("100.00")
    booking = book_one(admin_user, a)
    url = url_of(booking, booked(booking)[0])
    for data, message in [
        ({"schedule": "", "reason": "x"}, "Choose the schedule to transfer to."),
        ({"schedule": a.pk, "reason": "x"}, "choose another one"),  # its own schedule
        ({"schedule": "99999999", "reason": "x"}, "choose another one"),
        ({"schedule": "abc", "reason": "x"}, "choose another one"),
        ({"schedule": schedule_at("5.00").pk, "fee": "-1", "reason": "x"}, "greater than"),
        ({"schedule": schedule_at("5.00").pk, "fee": "1.234", "reason": "x"}, "2 decimal"),
    ]:
        r = preview(admin_client, url, data)
        assert r.status_code == 200
        assert message in r.content.decode(), message
    assert (
        admin_client.get(reverse("bookings:transfer", args=[booking.pk, 999999])).status_code == 404
    )
    assert admin_client.get(reverse("bookings:transfer", args=[999999, 1])).status_code == 404
    assert not OutboxMessage.objects.filter(template_key="booking_delegate_transferred").exists()


def test_who_may_transfer(client, admin_user, finance_user, team_leader):
    booking = book_one(admin_user, schedule_at("100.00"))
    url = url_of(booking, booked(booking)[0])
    client.force_login(team_leader)
    assert client.get(url).status_code == 403
    client.force_login(finance_user)  # finance staff move delegates (transfer_delegates)
    assert client.get(url).status_code == 200


def test_pages_query_counts_do_not_grow(admin_client, admin_user, django_assert_max_num_queries):
    """The transfer form (however many schedules it offers) and the booking page (however many
    delegates were transferred) answer in a constant number of queries."""
    a = schedule_at("100.00")
    booking = book_group(admin_user, a, 6)
    first = booked(booking)[0]
    schedule_at("50.00")
    detail = reverse("bookings:detail", args=[booking.pk])
    with django_assert_max_num_queries(20) as one:
        assert admin_client.get(url_of(booking, first)).status_code == 200
    transfer(admin_user, booking, first, schedule_at("40.00"), fee="5.00")
    with django_assert_max_num_queries(30) as page_one:
        assert admin_client.get(detail).status_code == 200
    for p in booked(booking)[1:5]:
        transfer(admin_user, booking, p, schedule_at("40.00"), fee="5.00")
    for _ in range(20):
        schedule_at("60.00")
    second = booked(booking)[-1]
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert admin_client.get(url_of(booking, second)).status_code == 200
    with django_assert_max_num_queries(len(page_one.captured_queries)):
        html = admin_client.get(detail).content.decode()
    # six booked places (five of them on new schedules), five Transferred ones without a link
    assert html.count(">Transfer</a>") == 6
    assert html.count(">Transferred</span>") == 5
