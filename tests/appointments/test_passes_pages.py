"""The punch-pass pages: the "Punch passes" panel of the family and contact pages, "Add punch
pass" (previewed: a sold pass's invoice in the preview is the one confirm writes), "Redeem"
(timeslots -> Select -> confirm -> the booking), "Change", permissions and query counts."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from appointments.models import AppointmentBooking, Occurrence, Pack
from appointments.services import punch_pass_redeem
from appointments.states import BookingSource
from core.audit import AuditEvent
from invoicing.models import Invoice
from tests.actions import HX, confirm, form_token, ledger_counts, preview, submit

from .factories import (
    AppointmentTypeFactory,
    ContactFactory,
    FamilyFactory,
    PackFactory,
    PricingScheduleFactory,
    timeslot,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)  # a Monday morning
D = datetime.date


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(admin_user):
    family = FamilyFactory(name="The Lee family")
    ann = ContactFactory(family=family, first_name="Ann", last_name="Lee")
    ContactFactory(family=family, first_name="Bob", last_name="Lee")
    pack = PackFactory(family=family, size=10)
    slot = timeslot(admin_user, appointment_type=AppointmentTypeFactory(name="Piano"))
    return {"family": family, "ann": ann, "pack": pack, "slot": slot}


def family_url(family):
    return reverse("contacts:family_detail", args=[family.pk])


# --- the panel ---------------------------------------------------------------------------------


def test_family_page_lists_the_passes_with_redeem_and_add(admin_client, admin_user, world):
    pack, ann, slot = world["pack"], world["ann"], world["slot"]
    booking = punch_pass_redeem(
        actor=admin_user,
        pack=pack,
        occurrence=Occurrence.objects.get(timeslot=slot, date=D(2027, 1, 11)),
        student=ann,
    )
    html = admin_client.get(family_url(world["family"])).content.decode()
    assert "Punch passes" in html and pack.reference in html
    assert "Any appointment type" in html and "1 / 10" in html
    assert booking.reference in html and "11 Jan 2027 16:00" in html
    assert reverse("appointments:pass_redeem", args=[pack.pk]) in html
    assert reverse("appointments:pass_add_family", args=[world["family"].pk]) in html


def test_no_redeem_for_a_used_up_or_expired_pass(admin_client, world):
    family = world["family"]
    used_up = PackFactory(family=family, size=2, used=2)
    expired = PackFactory(family=family, valid_until=D(2027, 1, 1))
    html = admin_client.get(family_url(family)).content.decode()
    assert reverse("appointments:pass_redeem", args=[world["pack"].pk]) in html
    assert reverse("appointments:pass_redeem", args=[used_up.pk]) not in html
    assert reverse("appointments:pass_redeem", args=[expired.pk]) not in html
    assert "Expired" in html


def test_contact_page_shows_own_and_family_passes(admin_client, world):
    ann = world["ann"]
    own = PackFactory(family=None, contact=ann)
    other = PackFactory()
    html = admin_client.get(reverse("contacts:detail", args=[ann.pk])).content.decode()
    assert own.reference in html and world["pack"].reference in html
    assert other.reference not in html
    # Redeem from a student's page books that student
    assert f"{reverse('appointments:pass_redeem', args=[own.pk])}?student={ann.pk}" in html
    assert reverse("appointments:pass_add_contact", args=[ann.pk]) in html


def test_panel_query_count_does_not_grow(
    admin_client, admin_user, world, django_assert_max_num_queries
):
    url = family_url(world["family"])
    admin_client.get(url)
    with django_assert_max_num_queries(14) as few:
        admin_client.get(url)
    slot = timeslot(admin_user, weekdays=(1,))
    for n in range(6):
        pack = PackFactory(family=world["family"], appointment_type=slot.appointment_type)
        punch_pass_redeem(
            actor=admin_user,
            pack=pack,
            occurrence=Occurrence.objects.get(
                timeslot=slot, date=D(2027, 1, 5) + datetime.timedelta(weeks=n)
            ),
            student=world["ann"],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = admin_client.get(url).content.decode()
    assert html.count("Redeem<span") == 7


def test_finance_sees_the_passes_without_actions(client, finance_user, world):
    client.force_login(finance_user)
    html = client.get(family_url(world["family"])).content.decode()
    assert world["pack"].reference in html
    assert "Add punch pass" not in html
    assert reverse("appointments:pass_redeem", args=[world["pack"].pk]) not in html


# --- Add punch pass ----------------------------------------------------------------------------


def test_add_a_free_pass_previews_then_confirms(admin_client, world):
    family = world["family"]
    url = reverse("appointments:pass_add_family", args=[family.pk])
    page = admin_client.get(url).content.decode()
    assert "Add punch pass" in page and "Number of punches" in page
    before, packs = ledger_counts(), Pack.objects.count()
    shown = preview(admin_client, url, {"size": "8", "valid_from": "2027-01-04"}, **HX)
    assert "Added punch pass" in shown.content.decode()
    assert ledger_counts() == before and Pack.objects.count() == packs
    r = confirm(admin_client, url, shown, **HX)
    assert r["HX-Redirect"] == family_url(family)
    pack = Pack.objects.latest("pk")
    assert (pack.size, pack.family, pack.valid_until) == (8, family, None)
    assert not Invoice.objects.exists()
    confirm(admin_client, url, shown, **HX)  # the same form again adds nothing
    assert Pack.objects.count() == packs + 1


def test_a_sold_pass_preview_is_exactly_the_invoice_confirm_writes(admin_client, world):
    ann = world["ann"]
    kind = AppointmentTypeFactory(
        name="Drums", pricing_schedule=PricingScheduleFactory(vat_rate=Decimal("0.2000"))
    )
    url = reverse("appointments:pass_add_contact", args=[ann.pk])
    data = {
        "size": "10",
        "appointment_type": str(kind.pk),
        "valid_from": "2027-01-04",
        "valid_until": "2027-06-30",
        "price": "150.00",
        "notes": "Paid\r\nin advance",
    }
    before = ledger_counts()
    shown = preview(admin_client, url, data)
    assert ledger_counts() == before and not Pack.objects.filter(contact=ann).exists()
    plan = shown.context["plan"]
    html = shown.content.decode()
    assert "(provisional number)" in html and "Punch pass PP" in html and "£180.00" in html
    r = confirm(admin_client, url, shown)
    assert r.status_code == 302, shown.content.decode()[:2000]
    pack = Pack.objects.get(contact=ann)
    invoice = Invoice.objects.get()
    [doc] = plan.documents
    assert (doc.net_total, doc.vat_total, doc.gross_total) == (
        invoice.net_total, invoice.vat_total, invoice.gross_total,
    )  # fmt: skip
    written = [
        (
            line.description,
            line.quantity,
            line.unit_net,
            line.net,
            line.vat_rate,
            line.vat,
            line.gross,
        )
        for line in invoice.lines.order_by("position")
    ]
    previewed = [
        (line.description.replace(doc.number, invoice.display_no), line.quantity, line.unit_net,
         line.net, line.vat_rate, line.vat, line.gross)
        for line in doc.lines
    ]  # fmt: skip
    # The preview named the pass by its provisional reference: the confirm's is its own.
    previewed = [(written[0][0] if "Punch pass PP" in p[0] else p[0], *p[1:]) for p in previewed]
    assert previewed == written
    assert written[0][0] == f"Punch pass {pack.reference} (10 punches) for Drums"
    assert invoice.gross_total == Decimal("180.00") and invoice.account.contact == ann
    assert pack.notes == "Paid\nin advance"


def test_add_refusal_is_shown_on_the_form(admin_client, world):
    url = reverse("appointments:pass_add_family", args=[world["family"].pk])
    r = preview(admin_client, url, {"size": "0", "valid_from": "2027-01-04"})
    assert r.status_code == 200 and "greater than or equal to 1" in r.content.decode()
    r = preview(
        admin_client,
        url,
        {"size": "5", "valid_from": "2027-01-04", "valid_until": "2027-01-01"},
    )
    assert "cannot end before it starts" in r.content.decode()


# --- Redeem ------------------------------------------------------------------------------------


def test_redeem_lists_two_weeks_of_openings_and_preselects_a_student(admin_client, world):
    pack, slot = world["pack"], world["slot"]
    url = reverse("appointments:pass_redeem", args=[pack.pk])
    r = admin_client.get(url)
    html = r.content.decode()
    assert "Show Available Timeslots" in html
    dates = [o.local_start.date() for o in r.context["page"]]
    assert dates == [D(2027, 1, 4), D(2027, 1, 11)]
    assert r.context["student"].first_name == "Ann"  # the first of the family's students
    occ = Occurrence.objects.get(timeslot=slot, date=D(2027, 1, 4))
    select = reverse("appointments:pass_redeem_confirm", args=[pack.pk, occ.pk])
    assert f"{select}?date=2027-01-04&student={world['ann'].pk}" in html.replace("&amp;", "&")
    later = admin_client.get(url, {"date": "2027-01-18"}, **HX)
    assert [o.date for o in later.context["page"]] == [D(2027, 1, 18), D(2027, 1, 25)]
    assert "<html" not in later.content.decode()  # the results partial


def test_redeem_list_pages_and_constant_queries(
    admin_client, admin_user, world, django_assert_max_num_queries
):
    for weekday in range(7):
        for hour in (10, 11):
            timeslot(admin_user, weekdays=(weekday,), start_time=datetime.time(hour, 0))
    url = reverse("appointments:pass_redeem", args=[world["pack"].pk])
    with django_assert_max_num_queries(12):
        first = admin_client.get(url)
    assert len(first.context["page"]) == 20 and first.context["page"].has_next()
    second = admin_client.get(url, {"page": "2"})
    assert 0 < len(second.context["page"]) <= 20


def test_choose_a_timeslot_confirm_redeem_creates_the_booking(admin_client, world):
    pack, slot, family = world["pack"], world["slot"], world["family"]
    bob = family.students.get(first_name="Bob")
    occ = Occurrence.objects.get(timeslot=slot, date=D(2027, 1, 11))
    url = reverse("appointments:pass_redeem_confirm", args=[pack.pk, occ.pk])
    page = admin_client.get(url, {"student": bob.pk}).content.decode()
    assert "Uses 1 punch of" in page and "9 of 10 left after" in page
    assert "Mon 11 Jan 2027 16:00" in page and "Non-Recurring" in page
    r = submit(admin_client, url, {"student": bob.pk, "step": "confirm"})
    booking = AppointmentBooking.objects.get()
    assert r.status_code == 302 and r["Location"] in (
        family_url(family), f"/appointments/bookings/{booking.pk}/",
    )  # fmt: skip
    assert (booking.student, booking.source, booking.pack) == (bob, BookingSource.PUNCH_PASS, pack)
    assert booking.start_date == booking.end_date == D(2027, 1, 11)
    assert Pack.objects.get(pk=pack.pk).used == 1
    # a new form for the same (private) appointment is refused: it is taken now
    again = submit(admin_client, url, {"student": bob.pk, "step": "confirm"})
    assert "No openings left" in again.content.decode()
    assert AppointmentBooking.objects.count() == 1 and Pack.objects.get(pk=pack.pk).used == 1


def test_redeem_twice_with_the_same_form_books_once(admin_client, world):
    pack, slot = world["pack"], world["slot"]
    occ = Occurrence.objects.get(timeslot=slot, date=D(2027, 1, 11))
    url = reverse("appointments:pass_redeem_confirm", args=[pack.pk, occ.pk])
    token = form_token(admin_client, url)
    data = {"student": world["ann"].pk, "step": "confirm", "form_token": token}
    admin_client.post(url, data)
    again = admin_client.post(url, data, follow=True)
    assert "This was already done" in again.content.decode()
    assert AppointmentBooking.objects.count() == 1 and Pack.objects.get(pk=pack.pk).used == 1


def test_redeem_refusal_is_shown_not_a_500(admin_client, world):
    pack, slot = world["pack"], world["slot"]
    occ = Occurrence.objects.get(timeslot=slot, date=D(2027, 1, 11))
    Occurrence.objects.filter(pk=occ.pk).update(taken=occ.capacity)
    url = reverse("appointments:pass_redeem_confirm", args=[pack.pk, occ.pk])
    assert "No openings left" in admin_client.get(url).content.decode()
    r = submit(admin_client, url, {"student": world["ann"].pk, "step": "confirm"})
    assert r.status_code == 200 and "No openings left" in r.content.decode()
    stranger = ContactFactory()
    r = submit(admin_client, url, {"student": stranger.pk, "step": "confirm"})
    assert "Select a valid choice" in r.content.decode()
    assert not AppointmentBooking.objects.exists() and Pack.objects.get(pk=pack.pk).used == 0


def test_change_a_pass(admin_client, world):
    pack = world["pack"]
    url = reverse("appointments:pass_adjust", args=[pack.pk])
    r = submit(
        admin_client, url, {"size": "12", "valid_until": "", "reason": "Bonus", "step": "confirm"}
    )
    assert r.status_code == 302
    assert Pack.objects.get(pk=pack.pk).size == 12
    assert AuditEvent.objects.for_object(pack).filter(action="pack.adjust").exists()


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["provider", "finance_user"])
def test_provider_and_finance_are_refused_also_by_direct_post(client, request, who, world):
    client.force_login(request.getfixturevalue(who))
    pack, family, ann = world["pack"], world["family"], world["ann"]
    occ = Occurrence.objects.get(timeslot=world["slot"], date=D(2027, 1, 11))
    urls = {
        reverse("appointments:pass_add_family", args=[family.pk]): {
            "size": "5", "valid_from": "2027-01-04", "price": "10.00", "step": "confirm",
        },
        reverse("appointments:pass_add_contact", args=[ann.pk]): {
            "size": "5", "valid_from": "2027-01-04", "step": "preview",
        },
        reverse("appointments:pass_redeem", args=[pack.pk]): {},
        reverse("appointments:pass_redeem_confirm", args=[pack.pk, occ.pk]): {
            "student": ann.pk, "step": "confirm",
        },
        reverse("appointments:pass_adjust", args=[pack.pk]): {
            "size": "50", "reason": "x", "step": "confirm",
        },
    }  # fmt: skip
    counts = ledger_counts()
    for url, data in urls.items():
        assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    assert ledger_counts() == counts
    assert Pack.objects.count() == 1 and Pack.objects.get().size == 10
    assert not AppointmentBooking.objects.exists()
