"""The placeholder pages: buy (previewed), assign / unassign (a confirmation naming what they
do), part-cancel and cancel all (previewed: the preview writes nothing, confirm does exactly
what it showed)."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from bookings import services
from bookings.models import Booking, BookingPlace
from invoicing.models import CreditNote, Invoice, Refund
from invoicing.services import payment_record
from tests.actions import HX, confirm, ledger_counts, preview, preview_and_confirm, submit

from .factories import CourseFactory, ScheduleFactory, organisation_with_members

pytestmark = pytest.mark.django_db


def _placeholder(actor, n=3, price="100.00", vat="0"):
    org, people = organisation_with_members(3)
    schedule = ScheduleFactory(
        course=CourseFactory(default_price=D(price), vat_rate=D(vat)), capacity=max(n, 10)
    )
    booking = services.placeholder_buy(actor=actor, schedule=schedule, organisation=org, places=n)
    return booking, people


def test_bookings_page_offers_buy_placeholder_places(admin_client):
    html = admin_client.get(reverse("bookings:list")).content.decode()
    assert "Buy placeholder places" in html and reverse("bookings:placeholder_new") in html


def test_choose_organisation_and_schedule_then_buy_with_preview(admin_client):
    org, people = organisation_with_members(2)
    schedule = ScheduleFactory(course=CourseFactory(default_price=D("200.00"), vat_rate=D("0")))
    start = reverse("bookings:placeholder_new")
    html = admin_client.get(start).content.decode()
    assert "Organization name" in html and "Schedule ID" in html
    r = admin_client.get(start, {"go": "1", "organisation": "", "schedule": "NOPE"})
    assert "Choose the organisation." in r.content.decode()
    assert "No schedule has the Schedule ID NOPE." in r.content.decode()
    r = admin_client.get(start, {"go": "1", "organisation": org.pk, "schedule": schedule.code})
    url = reverse("bookings:placeholder_buy", args=[org.pk, schedule.pk])
    assert r.status_code == 302 and r["Location"] == url

    page = admin_client.get(url).content.decode()
    assert "Number of places" in page and people[0].full_name in page
    token = page.split('name="token" value="')[1].split('"')[0]
    before = ledger_counts()
    shown = preview(admin_client, url, {"places": "5", "token": token, "po_number": "PO-9"})
    html = shown.content.decode()
    assert ledger_counts() == before and not Booking.objects.exists()
    for text in ["Invoice INV-000001 (provisional number)", "£1,000.00", "5 placeholder places"]:
        assert text in html, text
    r = confirm(admin_client, url, shown)
    booking = Booking.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("bookings:detail", args=[booking.pk])
    assert booking.places_bought == 5 and booking.po_number == "PO-9"
    assert Invoice.objects.get().gross_total == D("1000.00")
    # a second confirm of the same form buys nothing more
    confirm(admin_client, url, shown)
    assert Booking.objects.count() == 1 and Invoice.objects.count() == 1


def test_buy_refusal_is_shown_not_a_500(admin_client):
    org, _ = organisation_with_members(1)
    schedule = ScheduleFactory(capacity=2)
    url = reverse("bookings:placeholder_buy", args=[org.pk, schedule.pk])
    r = preview(admin_client, url, {"places": "3", "token": "t"})
    assert r.status_code == 200 and "Only 2 places left" in r.content.decode()
    assert (
        admin_client.get(reverse("bookings:placeholder_buy", args=[org.pk, 999999])).status_code
        == 404
    )


def test_detail_page_shows_the_placeholder_and_its_actions(admin_client, admin_user):
    booking, people = _placeholder(admin_user)
    services.placeholder_assign(actor=admin_user, booking=booking, contact=people[0])
    html = admin_client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()
    for text in [
        "Placeholder places", "Places bought", "Assign delegate", "Part-cancel places",
        "Cancel all places", people[0].full_name, "Unassign",
    ]:  # fmt: skip
        assert text in html, text
    assert "Cancel booking" not in html and "Add discount" not in html


def test_assign_and_unassign_pages(admin_client, admin_user):
    booking, people = _placeholder(admin_user)
    url = reverse("bookings:placeholder_assign", args=[booking.pk])
    html = admin_client.get(url).content.decode()
    assert "attendance register" in html and people[1].full_name in html
    r = submit(admin_client, url, {"contact": people[1].pk, "step": "confirm"})
    assert r.status_code == 302
    place = BookingPlace.objects.get(contact=people[1])
    unassign = reverse("bookings:placeholder_unassign", args=[booking.pk, place.pk])
    html = admin_client.get(unassign).content.decode()
    assert "no record of them will remain" in html
    r = submit(admin_client, unassign, {"reason": "Left the company", "step": "confirm"}, **HX)
    assert r.status_code == 204 and r["HX-Redirect"]
    assert not BookingPlace.objects.filter(contact=people[1]).exists()
    assert admin_client.get(unassign).status_code == 404  # no delegate there any more


def test_part_cancel_preview_writes_nothing_confirm_does_it(admin_client, admin_user):
    booking, _ = _placeholder(admin_user, n=5, price="200.00")
    url = reverse("bookings:placeholder_part_cancel", args=[booking.pk])
    assert "Credit Note Value" in admin_client.get(url).content.decode()
    data = {"places": "2", "credit_note": "on", "value": "", "reason": "Fewer staff"}
    before = ledger_counts()
    shown = preview(admin_client, url, data, **HX)
    html = shown.content.decode()
    assert ledger_counts() == before
    booking.refresh_from_db()
    assert booking.places_bought == 5
    for text in ["Credit note CN-000001 (provisional number)", "£400.00", "£1,000.00 → "]:
        assert text in html, text
    r = confirm(admin_client, url, shown, **HX)
    assert r.status_code == 204
    booking.refresh_from_db()
    assert booking.places_bought == 3
    assert CreditNote.objects.get().gross_total == D("400.00")


def test_part_cancel_with_value_and_without_credit_note(admin_client, admin_user):
    booking, _ = _placeholder(admin_user, n=5, price="100.00", vat="0.2000")
    url = reverse("bookings:placeholder_part_cancel", args=[booking.pk])
    r = preview_and_confirm(
        admin_client, url, {"places": "1", "credit_note": "on", "value": "50.00", "reason": "r"}
    )
    assert r.status_code == 302
    note = CreditNote.objects.get()
    assert (note.gross_total, note.vat_total, note.places_cancelled) == (
        D("50.00"),
        D("8.33"),
        1,
    )
    r = preview_and_confirm(admin_client, url, {"places": "1", "value": "", "reason": "r"})
    assert r.status_code == 302
    assert CreditNote.objects.count() == 1
    booking.refresh_from_db()
    assert booking.places_bought == 3


def test_part_cancel_refused_on_a_used_placeholder_is_shown(admin_client, admin_user):
    booking, people = _placeholder(admin_user)
    services.placeholder_assign(actor=admin_user, booking=booking, contact=people[0])
    url = reverse("bookings:placeholder_part_cancel", args=[booking.pk])
    before = ledger_counts()
    html = preview(
        admin_client, url, {"places": "1", "credit_note": "on", "reason": "r"}
    ).content.decode()
    assert "unassign the delegates first" in html and ledger_counts() == before


def test_cancel_all_with_charge_preview_shows_charge_and_refund(admin_client, admin_user):
    booking, people = _placeholder(admin_user, n=3, price="100.00")
    invoice = Invoice.objects.get(booking=booking)
    payment_record(actor=admin_user, invoice=invoice, amount=D("300.00"), method="card")
    services.placeholder_assign(actor=admin_user, booking=booking, contact=people[0])
    url = reverse("bookings:placeholder_cancel_all", args=[booking.pk])
    html = admin_client.get(url).content.decode()
    assert "Charge (net, optional)" in html and "no invoice behind them" in html
    before = ledger_counts()
    shown = preview(admin_client, url, {"charge": "50.00", "reason": "Not needed"})
    html = shown.content.decode()
    assert ledger_counts() == before
    for text in [
        "Credit note CN-000001 (provisional number)", "Charge invoice INV-000002",
        "£300.00", "£50.00", "£250.00",
    ]:  # fmt: skip
        assert text in html, text
    r = confirm(admin_client, url, shown)
    assert r.status_code == 302
    assert Refund.objects.get().amount == D("250.00")
    page = admin_client.get(reverse("bookings:detail", args=[booking.pk]))
    html = page.content.decode()
    assert "no invoice behind them" in html  # the warning, shown after the redirect too


def test_cancel_all_charge_too_high_is_a_form_error(admin_client, admin_user):
    booking, _ = _placeholder(admin_user, n=2, price="100.00")
    url = reverse("bookings:placeholder_cancel_all", args=[booking.pk])
    html = preview(admin_client, url, {"charge": "200.01", "reason": "r"}).content.decode()
    assert "cannot be more than the places cancelled are worth" in html


def test_permissions(client, admin_user, team_leader, finance_user):
    booking, people = _placeholder(admin_user)
    client.force_login(team_leader)  # manages bookings, cannot cancel placeholders
    assert client.get(reverse("bookings:placeholder_assign", args=[booking.pk])).status_code == 200
    assert (
        client.get(reverse("bookings:placeholder_cancel_all", args=[booking.pk])).status_code == 403
    )
    client.force_login(finance_user)  # cancels placeholders, does not manage bookings
    assert (
        client.get(reverse("bookings:placeholder_part_cancel", args=[booking.pk])).status_code
        == 200
    )
    assert client.get(reverse("bookings:placeholder_assign", args=[booking.pk])).status_code == 403
    assert client.get(reverse("bookings:placeholder_new")).status_code == 403


def test_placeholder_pages_404_for_other_bookings(admin_client, admin_user):
    org, people = organisation_with_members(2)
    group = services.booking_create(
        actor=admin_user,
        kind="group",
        schedule=ScheduleFactory(),
        organisation=org,
        lead_booker=people[0],
        delegates=people[1:],
    )
    for name in ("placeholder_assign", "placeholder_part_cancel", "placeholder_cancel_all"):
        assert admin_client.get(reverse(f"bookings:{name}", args=[group.pk])).status_code == 404


@pytest.mark.parametrize(
    "page", ["bookings:detail", "bookings:placeholder_cancel_all", "bookings:placeholder_transfer"]
)
def test_placeholder_pages_query_count_does_not_grow(
    admin_client, admin_user, django_assert_max_num_queries, page
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (2, 20):
        booking, people = _placeholder(admin_user, n=n)
        services.placeholder_assign(actor=admin_user, booking=booking, contact=people[0])
        url = reverse(page, args=[booking.pk])
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(25):
        admin_client.get(url)
