"""Placeholder emails (issue 9): buying tells the lead booker what was bought (places,
schedule, PO, invoice); assigning sends the delegate the booking confirmation a group's
delegate gets and tells the lead booker. Queued in the outbox with the booking's change."""

from decimal import Decimal as D

import pytest

from bookings import services
from invoicing.models import Invoice
from notifications.models import OutboxMessage

from .factories import CourseFactory, ScheduleFactory, organisation_with_members

pytestmark = pytest.mark.django_db


def _buy(actor, *, lead=True, price="100.00", n=3, po="PO-77"):
    org, people = organisation_with_members(3)
    schedule = ScheduleFactory(
        course=CourseFactory(default_price=D(price), vat_rate=D("0")), capacity=10
    )
    booking = services.placeholder_buy(
        actor=actor,
        schedule=schedule,
        organisation=org,
        places=n,
        lead_booker=people[0] if lead else None,
        po_number=po,
    )
    return booking, people


def test_buy_emails_the_lead_booker_places_schedule_po_and_invoice(admin_user):
    booking, people = _buy(admin_user)
    mail = OutboxMessage.objects.get(template_key="booking_placeholder_bought")
    invoice = Invoice.objects.get(booking=booking)
    assert mail.to == [people[0].email]
    assert booking.reference in mail.subject and "3 places" in mail.subject
    for text in [
        people[0].full_name,
        booking.organisation.name,
        "3 places",
        booking.schedule.code,
        "PO number: PO-77",
        invoice.display_no,
        "£300.00",
    ]:
        assert text in mail.body, text


def test_buy_without_a_lead_booker_emails_no_one(admin_user):
    _buy(admin_user, lead=False)
    assert not OutboxMessage.objects.exists()


def test_free_buy_says_no_invoice(admin_user):
    _buy(admin_user, price="0.00", po="")
    mail = OutboxMessage.objects.get(template_key="booking_placeholder_bought")
    assert "Invoice" not in mail.body and "PO number" not in mail.body


def test_assign_confirms_the_delegate_and_informs_the_lead_booker(admin_user):
    booking, people = _buy(admin_user)
    before = OutboxMessage.objects.count()
    services.placeholder_assign(actor=admin_user, booking=booking, contact=people[1])
    sent = {m.template_key: m for m in OutboxMessage.objects.order_by("pk")[before:]}
    assert set(sent) == {"booking_delegate_confirmation", "booking_placeholder_assigned"}
    delegate = sent["booking_delegate_confirmation"]
    assert delegate.to == [people[1].email]
    for text in [
        people[1].full_name,
        booking.reference,
        booking.schedule.code,
        people[0].full_name,
    ]:
        assert text in delegate.body, text
    lead = sent["booking_placeholder_assigned"]
    assert lead.to == [people[0].email] and people[1].full_name in lead.subject
    assert "Places: 3, assigned 1, free 2." in lead.body


def test_assign_without_a_lead_booker_emails_only_the_delegate(admin_user):
    booking, people = _buy(admin_user, lead=False)
    services.placeholder_assign(actor=admin_user, booking=booking, contact=people[2])
    mail = OutboxMessage.objects.get()
    assert (mail.template_key, mail.to) == ("booking_delegate_confirmation", [people[2].email])
    assert "lead booker" not in mail.body


def test_assign_page_says_who_is_emailed(admin_client, admin_user):
    from django.urls import reverse

    booking, _ = _buy(admin_user)
    page = admin_client.get(reverse("bookings:placeholder_assign", args=[booking.pk]))
    assert "sent a booking confirmation and the lead booker is told" in page.content.decode()
