"""View tests of the bookings pages, step by step through "Create a new booking" (seed 000)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from bookings import services
from bookings.models import Booking, BookingStatus, PlaceState
from invoicing.models import Invoice
from invoicing.services import payment_record
from notifications.models import OutboxMessage
from tests.actions import confirm, ledger_counts, preview, submit

from .factories import ContactFactory, ScheduleFactory, organisation_with_members

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
ADD = reverse("bookings:add")


def individual(actor, schedule=None, student=None, **kw):
    return services.booking_create(
        actor=actor,
        kind="individual",
        schedule=schedule or ScheduleFactory(),
        student=student or ContactFactory(),
        **kw,
    )


def group(actor, schedule=None, count=2, **kw):
    org, people = organisation_with_members(count + 1)
    return services.booking_create(
        actor=actor,
        kind="group",
        schedule=schedule or ScheduleFactory(),
        organisation=org,
        lead_booker=people[0],
        delegates=people[1:],
        **kw,
    )


# --- permissions -----------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("bookings:list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_roles(client, finance_user, nobody, team_leader):
    client.force_login(nobody)
    assert client.get(reverse("bookings:list")).status_code == 403
    client.force_login(finance_user)
    assert client.get(reverse("bookings:list")).status_code == 200
    assert client.get(ADD).status_code == 403  # finance sees bookings but does not book
    client.force_login(team_leader)
    assert client.get(ADD).status_code == 200


def test_finance_sees_no_actions_on_detail(client, admin_user, finance_user):
    booking = individual(admin_user)
    client.force_login(finance_user)
    html = client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()
    assert "Edit booking" not in html and "Cancel booking" not in html
    assert (
        client.post(reverse("bookings:cancel", args=[booking.pk]), {"reason": "x"}).status_code
        == 403
    )


def test_bad_ids_are_404(admin_client):
    for name in ("detail", "edit", "cancel", "discount", "cancel_delegates"):
        assert admin_client.get(reverse(f"bookings:{name}", args=[999999])).status_code == 404
    assert admin_client.get(reverse("bookings:contact_bookings", args=[999999])).status_code == 404
    assert admin_client.get(reverse("bookings:schedule_register", args=[999999])).status_code == 404


# --- list -----------------------------------------------------------------


def test_list_has_add_booking_and_filters(admin_client, admin_user):
    individual(admin_user, student=ContactFactory(first_name="Zed", last_name="Quill"))
    html = admin_client.get(reverse("bookings:list")).content.decode()
    assert "Add booking" in html and reverse("bookings:add") in html
    assert "Zed Quill" in html
    for label in (
        "Search delegate name",
        "Status",
        "Type",
        "Schedule from",
        "Schedule to",
        "Organisation",
    ):
        assert label in html


def test_list_search_by_delegate_name(admin_client, admin_user):
    a = individual(admin_user, student=ContactFactory(first_name="Hermione", last_name="Grange"))
    b = individual(admin_user, student=ContactFactory(first_name="Ron", last_name="Weasel"))
    g = group(admin_user)
    delegate = g.places.first().contact
    response = admin_client.get(reverse("bookings:list"), {"q": "hermi"}, **HX)
    html = response.content.decode()
    assert a.reference in html and b.reference not in html
    assert "<html" not in html  # the fragment only
    html = admin_client.get(reverse("bookings:list"), {"q": delegate.last_name}).content.decode()
    assert g.reference in html and a.reference not in html


def test_list_filters(admin_client, admin_user):
    import datetime

    from django.utils import timezone

    later = ScheduleFactory(start_at=timezone.now() + datetime.timedelta(days=60))
    ind = individual(admin_user)
    grp = group(admin_user, schedule=later)
    cancelled = individual(admin_user)
    services.booking_cancel(actor=admin_user, booking=cancelled, reason="x")

    def refs(**params):
        html = admin_client.get(reverse("bookings:list"), params).content.decode()
        return {b.reference for b in (ind, grp, cancelled) if b.reference in html}

    assert refs(status="cancelled") == {cancelled.reference}
    assert refs(kind="group") == {grp.reference}
    assert refs(organisation=grp.organisation.name[:8]) == {grp.reference}
    day = (timezone.now() + datetime.timedelta(days=50)).date().isoformat()
    assert refs(starts_from=day) == {grp.reference}
    assert refs(starts_to=day) == {ind.reference, cancelled.reference}
    assert refs(schedule=later.code) == {grp.reference}
    # bad input: a form error, never a 500
    assert (
        admin_client.get(
            reverse("bookings:list"), {"starts_from": "nope", "status": "x"}
        ).status_code
        == 200
    )


def test_list_paging(admin_client, admin_user):
    schedule = ScheduleFactory(capacity=40)
    for _ in range(27):
        individual(admin_user, schedule=schedule)
    html = admin_client.get(reverse("bookings:list")).content.decode()
    assert "Next" in html and "Previous" not in html
    html = admin_client.get(reverse("bookings:list"), {"page": "2"}).content.decode()
    assert "Previous" in html and html.count("/bookings/") >= 2
    assert admin_client.get(reverse("bookings:list"), {"page": "abc"}).status_code == 200


def test_list_query_count_constant(admin_client, admin_user, django_assert_max_num_queries):
    search = {"q": "ann", "kind": "group"}
    group(admin_user, count=2)
    with django_assert_max_num_queries(12) as few:
        admin_client.get(reverse("bookings:list"))
    # A delegate search reads the matching ids first (two small queries more).
    with django_assert_max_num_queries(14) as few_search:
        admin_client.get(reverse("bookings:list"), search)
    for _ in range(10):
        group(admin_user, count=4)
        individual(admin_user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("bookings:list"))
    with django_assert_max_num_queries(len(few_search.captured_queries)):
        admin_client.get(reverse("bookings:list"), search)


# --- "Create a new booking": individual -------------------------------------------------------


def test_add_page_labels(admin_client):
    html = admin_client.get(ADD).content.decode()
    assert "Create a new booking" in html and "Booking Type" in html
    assert "Booking for a single student" in html
    assert "Organization booking for multiple delegates" in html
    assert 'name="token"' in html


def test_individual_steps_htmx(admin_client, admin_user):
    student = ContactFactory(first_name="Ann", last_name="Lee")
    schedule = ScheduleFactory(code="FA-001")
    full = ScheduleFactory(code="FA-FULL", capacity=1)
    individual(admin_user, schedule=full)
    token = "t-individual"

    r = admin_client.post(ADD, {"token": token, "kind": "individual"}, **HX)
    html = r.content.decode()
    assert r.status_code == 200 and "<html" not in html and 'id="booking-form"' in html
    assert "Student name" in html and "Select a schedule" not in html

    r = admin_client.post(ADD, {"token": token, "kind": "individual", "student": student.pk}, **HX)
    html = r.content.decode()
    assert "Select a schedule" in html and "Ann Lee" in html
    for label in ("All", "Past", "Upcoming", "In progress / Upcoming"):
        assert f">{label}</option>" in html
    assert f'value="select_schedule:{schedule.pk}"' in html
    assert f'value="select_schedule:{full.pk}"' not in html and ">Full</button>" in html

    step = {"token": token, "kind": "individual", "student": student.pk}
    r = admin_client.post(ADD, {**step, "action": f"select_schedule:{schedule.pk}"}, **HX)
    html = r.content.decode()
    assert "Payment details" in html and "Purchase order number" in html
    assert "Price per delegate" in html and "£100.00" in html
    assert "Number of delegates" in html and "VAT (20 %)" in html and "£120.00" in html
    assert ">Book</button>" in html

    r = admin_client.post(
        ADD,
        {
            **step,
            "schedule": schedule.pk,
            "po_number": "PO-77",
            "discount_kind": "",
            "action": "book",
        },
        **HX,
    )
    booking = Booking.objects.get(places__contact=student)
    assert r.status_code == 204 and r["HX-Redirect"] == reverse(
        "bookings:detail", args=[booking.pk]
    )
    assert booking.po_number == "PO-77" and booking.places.get().contact == student


def test_selecting_a_full_schedule_is_refused(admin_client, admin_user):
    student = ContactFactory()
    full = ScheduleFactory(capacity=1)
    individual(admin_user, schedule=full)
    r = admin_client.post(
        ADD,
        {"kind": "individual", "student": student.pk, "action": f"select_schedule:{full.pk}"},
        **HX,
    )
    html = r.content.decode()
    assert "is full: no places left" in html and "Payment details" not in html


def test_schedule_filter_when(admin_client, admin_user):
    import datetime

    from django.utils import timezone

    past = ScheduleFactory(
        code="OLD-1",
        start_at=timezone.now() - datetime.timedelta(days=20),
        end_at=timezone.now() - datetime.timedelta(days=19),
    )
    upcoming = ScheduleFactory(code="NEW-1")
    student = ContactFactory()
    base = {"kind": "individual", "student": student.pk}
    html = admin_client.post(ADD, {**base, "when": "past"}, **HX).content.decode()
    assert past.code in html and upcoming.code not in html
    html = admin_client.post(ADD, {**base, "when": "upcoming"}, **HX).content.decode()
    assert past.code not in html and upcoming.code in html
    html = admin_client.post(ADD, {**base, "when": "all"}, **HX).content.decode()
    assert past.code in html and upcoming.code in html


def test_book_form_errors_instead_of_500(admin_client):
    r = admin_client.post(ADD, {"action": "book", "kind": "individual", "student": "abc"}, **HX)
    assert r.status_code == 200 and "Choose the student" in r.content.decode()
    r = admin_client.post(ADD, {"action": "book"}, **HX)
    assert "Choose the Booking Type" in r.content.decode()
    r = admin_client.post(ADD, {"action": "select_schedule:999999", "kind": "individual"})
    assert r.status_code == 200


def test_last_place_taken_meanwhile_says_no_places_left(admin_client, admin_user):
    schedule = ScheduleFactory(capacity=1)
    student = ContactFactory()
    data = {"kind": "individual", "student": student.pk, "schedule": schedule.pk, "po_number": ""}
    individual(admin_user, schedule=schedule)  # another admin was faster
    html = admin_client.post(ADD, {**data, "action": "book"}, **HX).content.decode()
    assert "No places left" in html
    assert Booking.objects.count() == 1


def test_double_submit_creates_one_booking(admin_client):
    schedule = ScheduleFactory()
    student = ContactFactory()
    data = {
        "token": "same-token",
        "kind": "individual",
        "student": student.pk,
        "schedule": schedule.pk,
        "po_number": "",
        "action": "book",
    }
    first = admin_client.post(ADD, data)
    second = admin_client.post(ADD, data)  # double click / back button + resubmit
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Booking.objects.count() == 1
    assert Invoice.objects.count() == 1
    assert OutboxMessage.objects.count() == 1
    schedule.refresh_from_db()
    assert schedule.places_taken == 1


def test_discount_in_payment_details(admin_client):
    schedule = ScheduleFactory()
    student = ContactFactory()
    data = {
        "kind": "individual",
        "student": student.pk,
        "schedule": schedule.pk,
        "po_number": "",
        "discount_kind": "percent",
        "discount_value": "10",
        "discount_reason": "Returning student",
        "action": "refresh",
    }
    html = admin_client.post(ADD, data, **HX).content.decode()
    assert "−£10.00" in html and "£108.00" in html
    html = admin_client.post(
        ADD, {**data, "discount_reason": "", "action": "book"}, **HX
    ).content.decode()
    assert "Give a reason for the discount." in html
    assert not Booking.objects.exists()
    r = admin_client.post(ADD, {**data, "action": "book"}, **HX)
    assert r.status_code == 204
    assert Invoice.objects.get().gross_total == Decimal("108.00")


# --- "Create a new booking": group ------------------------------------------------------------


def test_group_steps_htmx(admin_client):
    org, (lead, d1, d2) = organisation_with_members(3)
    outsider = ContactFactory(first_name="Olly", last_name="Outsider")
    schedule = ScheduleFactory()
    base = {"token": "t-group", "kind": "group"}

    html = admin_client.post(ADD, base, **HX).content.decode()
    assert "Organization name" in html and "Lead booker" not in html

    base["organisation"] = org.pk
    html = admin_client.post(ADD, base, **HX).content.decode()
    assert "Lead booker" in html and "Select delegate" in html and "Add delegate" in html
    assert f'"organisation": "{org.pk}"' in html  # pickers limited to the organisation

    base["lead_booker"] = lead.pk
    html = admin_client.post(ADD, {**base, "action": "add_delegate"}, **HX).content.decode()
    assert "Select a delegate first" in html

    html = admin_client.post(
        ADD, {**base, "delegate": outsider.pk, "action": "add_delegate"}, **HX
    ).content.decode()
    assert "Olly Outsider is not linked to" in html and 'name="delegates"' not in html

    html = admin_client.post(
        ADD, {**base, "delegate": d1.pk, "action": "add_delegate"}, **HX
    ).content.decode()
    assert f'name="delegates" value="{d1.pk}"' in html and "Select a schedule" in html

    base["delegates"] = [d1.pk]
    html = admin_client.post(
        ADD, {**base, "delegate": d1.pk, "action": "add_delegate"}, **HX
    ).content.decode()
    assert "is already added" in html

    html = admin_client.post(
        ADD, {**base, "delegate": d2.pk, "action": "add_delegate"}, **HX
    ).content.decode()
    assert f'name="delegates" value="{d2.pk}"' in html
    base["delegates"] = [d1.pk, d2.pk]

    html = admin_client.post(
        ADD, {**base, "action": f"remove_delegate:{d2.pk}"}, **HX
    ).content.decode()
    assert f'name="delegates" value="{d2.pk}"' not in html
    base["delegates"] = [d1.pk, d2.pk]

    html = admin_client.post(
        ADD, {**base, "action": f"select_schedule:{schedule.pk}"}, **HX
    ).content.decode()
    assert "Number of delegates</dt><dd>2" in html and "£240.00" in html

    r = admin_client.post(
        ADD, {**base, "schedule": schedule.pk, "po_number": "PO-G", "action": "book"}, **HX
    )
    assert r.status_code == 204
    booking = Booking.objects.get()
    assert booking.lead_booker == lead and booking.organisation == org
    assert [p.contact for p in booking.places.order_by("pk")] == [d1, d2]
    assert OutboxMessage.objects.count() == 3


def test_group_lead_booker_of_other_org_is_dropped(admin_client):
    org, (lead, d1) = organisation_with_members(2)
    outsider = ContactFactory(first_name="Olly", last_name="Outsider")
    html = admin_client.post(
        ADD, {"kind": "group", "organisation": org.pk, "lead_booker": outsider.pk}, **HX
    ).content.decode()
    assert "Olly Outsider is not linked to" in html


def test_group_book_without_lead_booker_refused(admin_client):
    org, (d1,) = organisation_with_members(1)
    schedule = ScheduleFactory()
    html = admin_client.post(
        ADD,
        {
            "kind": "group",
            "organisation": org.pk,
            "delegates": [d1.pk],
            "schedule": schedule.pk,
            "action": "book",
        },
        **HX,
    ).content.decode()
    assert "lead booker" in html
    assert not Booking.objects.exists()


# --- detail and actions -----------------------------------------------------------------


def test_detail_shows_everything(admin_client, admin_user):
    booking = group(admin_user, count=2, po_number="PO-5")
    invoice = Invoice.objects.get(booking=booking)
    html = admin_client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()
    for p in booking.places.all():
        assert p.contact.full_name in html
    assert "Booked" in html
    assert invoice.display_no in html and "Outstanding" in html and "£240.00" in html
    assert "Booking confirmed" in html  # emails
    assert "Booked " in html and "History" in html
    assert "Cancel delegates" in html and "Add discount" in html and "Edit booking" in html


def test_detail_query_count_constant(admin_client, admin_user, django_assert_max_num_queries):
    small = group(admin_user, count=1)
    with django_assert_max_num_queries(30) as few:
        admin_client.get(reverse("bookings:detail", args=[small.pk]))
    big = group(admin_user, schedule=ScheduleFactory(capacity=20), count=12, po_number="x")
    services.booking_update_po_number(actor=admin_user, booking=big, po_number="y")
    services.booking_cancel_delegates(
        actor=admin_user, booking=big, place_ids=[big.places.first().pk], reason="r"
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("bookings:detail", args=[big.pk]))


def test_edit_po_number_sends_confirmation_once(admin_client, admin_user):
    booking = group(admin_user, count=1)
    url = reverse("bookings:edit", args=[booking.pk])
    html = admin_client.get(url, **HX).content.decode()
    assert "Purchase order number" in html and "<html" not in html
    r = submit(admin_client, url, {"po_number": "PO-1", "notes": ""})
    assert r.status_code == 302
    r = submit(admin_client, url, {"po_number": "PO-1", "notes": "unrelated"}, **HX)
    assert r.status_code == 204
    assert OutboxMessage.objects.filter(template_key="booking_po_confirmation").count() == 1


def test_cancel_delegates_view(admin_client, admin_user):
    booking = group(admin_user, count=2)
    place, other_place = booking.places.order_by("pk")
    invoice = Invoice.objects.get(booking=booking)
    url = reverse("bookings:cancel_delegates", args=[booking.pk])
    html = admin_client.get(url).content.decode()
    assert place.contact.full_name in html and "Reason" in html and ">Preview</button>" in html
    html = preview(admin_client, url, {"places": [place.pk]}, **HX).content.decode()
    assert "This field is required" in html  # the reason
    before = ledger_counts()
    shown = preview(
        admin_client, url, {"places": [place.pk], "reason": "Ill", "charge": "10"}, **HX
    )
    html = shown.content.decode()
    assert ledger_counts() == before  # nothing written, no number taken, no email queued
    place.refresh_from_db()
    assert place.state == PlaceState.BOOKED
    assert "<html" not in html and "What will happen" in html
    for text in [
        "Credit note CN-000001 (provisional number)", f"Credits {invoice.display_no}",
        "Charge invoice INV-000002 (provisional number)", f"Charge for {invoice.display_no}",
        "Cancellation charge", "£10.00", "£2.00", "£12.00",  # the charge: net, VAT, gross
        "£120.00",  # the credit note: one of two delegates
        "£240.00 → <strong>£120.00</strong>",  # the original invoice's outstanding
        "Outstanding → Outstanding",
        "(new, provisional number)",
        "Emails to be sent", place.contact.email,
        "History to be recorded", f"Booking {booking.reference}", "Ill",
        "Confirm: Cancel delegates",
    ]:  # fmt: skip
        assert text in html, text
    queued = OutboxMessage.objects.count()
    r = confirm(admin_client, url, shown, **HX)
    assert r.status_code == 204
    place.refresh_from_db()
    assert place.state == PlaceState.CANCELLED
    charge = Invoice.objects.get(booking=booking, kind="charge")
    assert (charge.display_no, charge.gross_total) == ("INV-000002", Decimal("12.00"))
    sent = list(OutboxMessage.objects.order_by("pk")[queued:])
    assert len(sent) == 2  # the delegate and the lead booker, as the preview said
    for m in sent:
        assert f"<td>{m.to[0]}</td><td>{m.subject}</td>" in html
    # the second click of the same confirm changes nothing: its form was used, and although
    # it no longer validates (that delegate is gone) the answer is the page of the change
    again = confirm(admin_client, url, shown, **HX)
    assert again.status_code == 204 and Invoice.objects.filter(kind="charge").count() == 1
    assert again["HX-Redirect"] == reverse("bookings:detail", args=[booking.pk])
    # a place of another booking is not a valid choice: form error, no 500
    other = individual(admin_user)
    html = preview(
        admin_client, url, {"places": [other.places.get().pk], "reason": "x"}
    ).content.decode()
    assert "Select a valid choice" in html
    assert other_place.contact.full_name in admin_client.get(url).content.decode()


def test_discount_view_refused_once_paid(admin_client, admin_user):
    booking = individual(admin_user)
    old = Invoice.objects.get(booking=booking)
    url = reverse("bookings:discount", args=[booking.pk])
    data = {"discount_kind": "fixed", "discount_value": "10", "discount_reason": "r"}
    before = ledger_counts()
    shown = preview(admin_client, url, data)
    html = shown.content.decode()
    assert ledger_counts() == before
    for text in [
        "Credit note CN-000001 (provisional number)", "£120.00",
        "Invoice INV-000002 (provisional number)", f"Replaces {old.display_no}",
        "£90.00", "£18.00", "£108.00", "£120.00 → <strong>£0.00</strong>",
    ]:  # fmt: skip
        assert text in html, text
    r = confirm(admin_client, url, shown)
    assert r.status_code == 302
    invoice = Invoice.objects.filter(booking=booking).order_by("-pk").first()
    assert invoice.gross_total == Decimal("108.00") and invoice.display_no == "INV-000002"
    payment_record(actor=admin_user, invoice=invoice, amount=Decimal("108.00"), method="card")
    html = preview(
        admin_client,
        url,
        {"discount_kind": "fixed", "discount_value": "20", "discount_reason": "r"},
    ).content.decode()
    assert "has been paid, so the discount can no longer be changed" in html
    assert "What will happen" not in html


def test_confirm_after_someone_paid_shows_the_refusal_and_writes_nothing(admin_client, admin_user):
    booking = individual(admin_user)
    invoice = Invoice.objects.get(booking=booking)
    url = reverse("bookings:discount", args=[booking.pk])
    data = {"discount_kind": "percent", "discount_value": "10", "discount_reason": "loyal"}
    shown = preview(admin_client, url, data)
    assert "What will happen" in shown.content.decode()
    payment_record(actor=admin_user, invoice=invoice, amount=Decimal("50"), method="card")
    before = ledger_counts()
    html = confirm(admin_client, url, shown).content.decode()
    assert ledger_counts() == before
    assert "has been paid, so the discount can no longer be changed" in html
    assert 'role="alert"' in html and "What will happen" not in html
    booking.refresh_from_db()
    assert not booking.has_discount


def test_cancel_booking_view_and_status(admin_client, admin_user):
    import datetime

    from django.utils import timezone

    future = individual(admin_user)
    html = admin_client.get(reverse("bookings:detail", args=[future.pk])).content.decode()
    assert "Mark no-show" not in html  # not before the course starts
    started = ScheduleFactory(start_at=timezone.now() - datetime.timedelta(hours=2))
    booking = individual(admin_user, schedule=started)
    html = admin_client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()
    assert "Mark no-show" in html and "Mark completed" in html
    # "Mark no-show" is not one click: it asks first, naming what it does
    r = admin_client.post(
        reverse("bookings:status", args=[booking.pk]), {"to": "noshow"}, follow=True
    )
    assert "not available" in r.content.decode()
    noshow = reverse("bookings:noshow", args=[booking.pk])
    html = admin_client.get(noshow).content.decode()
    assert "cannot be set back to confirmed" in html and ">Mark no-show</button>" in html
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    r = submit(admin_client, noshow, {"reason": "Did not come", "step": "confirm"}, follow=True)
    assert "is now no-show" in r.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NOSHOW
    r = submit(admin_client, noshow, {"reason": "again"})
    assert "cannot be marked no-show" in r.content.decode()
    r = admin_client.post(
        reverse("bookings:status", args=[booking.pk]), {"to": "pending"}, follow=True
    )
    assert "not available" in r.content.decode()
    other = individual(admin_user)
    url = reverse("bookings:cancel", args=[other.pk])
    before = ledger_counts()
    shown = preview(admin_client, url, {"reason": "Moved away"})
    assert ledger_counts() == before and "Credit note CN-000001" in shown.content.decode()
    other.refresh_from_db()
    assert other.status == BookingStatus.CONFIRMED
    r = confirm(admin_client, url, shown)
    assert r.status_code == 302
    other.refresh_from_db()
    assert other.status == BookingStatus.CANCELLED


def test_cancel_preview_queries_do_not_grow_with_delegates(
    admin_client, admin_user, django_assert_max_num_queries
):
    """The preview (capture, plan, page) costs the same whatever the booking's size; what
    grows with the delegates cancelled is the service's own work (one email each)."""
    small = group(admin_user, count=2)
    big = group(admin_user, schedule=ScheduleFactory(capacity=20), count=15)
    services.booking_cancel_delegates(
        actor=admin_user, booking=big, place_ids=[big.places.last().pk], reason="earlier"
    )

    def cancel_one(booking):
        url = reverse("bookings:cancel_delegates", args=[booking.pk])
        data = {"places": [booking.places.first().pk], "reason": "r", "charge": "5"}
        return preview(admin_client, url, data)

    with django_assert_max_num_queries(90) as few:
        r = cancel_one(small)
    assert r.status_code == 200 and "What will happen" in r.content.decode()
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = cancel_one(big)
    assert "What will happen" in r.content.decode()


# --- pages other apps load -----------------------------------------------------------------


def test_contact_bookings_search_by_schedule_id(admin_client, admin_user):
    student = ContactFactory()
    a = individual(admin_user, schedule=ScheduleFactory(code="ALPHA-1"), student=student)
    b = individual(admin_user, schedule=ScheduleFactory(code="BETA-2"), student=student)
    url = reverse("bookings:contact_bookings", args=[student.pk])
    html = admin_client.get(url).content.decode()
    assert a.reference in html and b.reference in html
    html = admin_client.get(url, {"schedule": "beta"}, **HX).content.decode()
    assert b.reference in html and a.reference not in html and "<html" not in html


def test_schedule_register(admin_client, admin_user, django_assert_max_num_queries):
    schedule = ScheduleFactory()
    booking = group(admin_user, schedule=schedule, count=2)
    url = reverse("bookings:schedule_register", args=[schedule.pk])
    with django_assert_max_num_queries(20) as few:
        html = admin_client.get(url).content.decode()
    for p in booking.places.all():
        assert p.contact.full_name in html
    assert html.count(">Pending</span>") == 4  # 2 delegates x 2 sessions
    group(admin_user, schedule=schedule, count=5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(url, **HX)


def test_schedule_picker_query_count_constant(admin_client, django_assert_max_num_queries):
    student = ContactFactory()
    ScheduleFactory()
    data = {"kind": "individual", "student": student.pk, "when": "all"}
    with django_assert_max_num_queries(20) as few:
        html = admin_client.post(ADD, data, **HX).content.decode()
    assert html.count(">Select</button>") == 1
    ScheduleFactory.create_batch(25)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = admin_client.post(ADD, data, **HX).content.decode()
    assert html.count(">Select</button>") == 20  # one page of the picker
    html = admin_client.post(ADD, {**data, "action": "schedule_page:2"}, **HX).content.decode()
    assert html.count(">Select</button>") == 6
