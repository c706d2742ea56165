"""Large free text is bounded, in the forms (a clear message, a maxlength the browser keeps)
and in the services (a DomainError naming the field), whoever calls them."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from bookings import services as bookings
from bookings.forms import BookingEditForm
from bookings.models import BookingType
from contacts import services as contacts
from contacts.forms import OrganisationForm
from core.audit import MAX_REASON, audit_record
from core.errors import DomainError
from core.models import AuditEvent
from core.text import MAX_TEMPLATE, MAX_TEXT
from invoicing import services as ledger
from notifications.forms import EmailTemplateForm
from notifications.models import EmailTemplate
from notifications.services import email_template_update
from schedules import services as schedules
from schedules.forms import CourseForm
from tests.bookings.factories import ContactFactory, ScheduleFactory, organisation_with_members
from tests.invoicing.factories import gross_line, issue

pytestmark = pytest.mark.django_db

LONG = "x" * (MAX_TEXT + 1)


# --- forms ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form_class, field, label, limit",
    [
        (BookingEditForm, "notes", "Notes", MAX_TEXT),
        (CourseForm, "description", "Description", MAX_TEXT),
        (OrganisationForm, "billing_address", "Billing address", MAX_TEXT),
        (EmailTemplateForm, "body", "Body", MAX_TEMPLATE),
        (EmailTemplateForm, "html_body", "HTML body", MAX_TEMPLATE),
    ],
)
def test_every_text_area_has_a_bound_with_a_clear_message(form_class, field, label, limit):
    kwargs = {"instance": EmailTemplate.objects.first()} if form_class is EmailTemplateForm else {}
    assert f'maxlength="{limit}"' in str(form_class(**kwargs)[field])
    form = form_class({field: "y" * (limit + 1)}, **kwargs)
    assert not form.is_valid()
    assert form.errors[field] == [
        f"{label} can be at most {limit:,} characters long (this is {limit + 1:,})."
    ]
    form = form_class({field: "y" * limit}, **kwargs)
    form.is_valid()
    assert field not in form.errors


def test_line_breaks_count_once_as_the_browser_counts_them():
    # 100 lines of 99 characters: 9,999 characters in the browser, 10,098 as posted (CRLF).
    text = "\r\n".join(["y" * 99] * 100)
    form = BookingEditForm({"notes": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["notes"] == text.replace("\r\n", "\n")


def test_the_booking_page_refuses_long_notes_with_the_message(admin_client, admin_user):
    booking = bookings.booking_create(
        actor=admin_user,
        kind=BookingType.INDIVIDUAL,
        schedule=ScheduleFactory(),
        student=ContactFactory(),
    )
    response = admin_client.post(
        reverse("bookings:edit", args=[booking.pk]), {"po_number": "", "notes": LONG}
    )
    assert response.status_code == 200
    assert "Notes can be at most 10,000 characters long (this is 10,001)." in (
        response.content.decode()
    )
    booking.refresh_from_db()
    assert booking.notes == ""


# --- services -------------------------------------------------------------------------------


def refused(call, field: str, limit: int = MAX_TEXT, length: int = MAX_TEXT + 1) -> None:
    with pytest.raises(DomainError) as refusal:
        call()
    assert refusal.value.field == field
    assert f"at most {limit:,} characters long (this is {length:,})" in refusal.value.message


def test_booking_services_refuse_long_text(admin_user):
    def booked():
        return bookings.booking_create(
            actor=admin_user,
            kind=BookingType.INDIVIDUAL,
            schedule=ScheduleFactory(),
            student=ContactFactory(),
        )

    b = booked()
    refused(
        lambda: bookings.booking_update(actor=admin_user, booking=b, po_number="", notes=LONG),
        "notes",
    )
    refused(
        lambda: bookings.booking_update(
            actor=admin_user, booking=b, po_number="", notes="n", reason=LONG
        ),
        "reason",
    )
    refused(lambda: bookings.booking_confirm(actor=admin_user, booking=b, reason=LONG), "reason")
    refused(
        lambda: bookings.booking_set_discount(
            actor=admin_user, booking=b, kind="percent", value=D("10"), reason=LONG
        ),
        "discount_reason",
    )
    refused(
        lambda: bookings.booking_cancel_delegates(
            actor=admin_user, booking=b, place_ids=[b.places.get().pk], reason=LONG
        ),
        "reason",
    )
    refused(lambda: bookings.booking_cancel(actor=admin_user, booking=b, reason=LONG), "reason")
    org, people = organisation_with_members(2)
    refused(
        lambda: bookings.booking_create(
            actor=admin_user,
            kind=BookingType.GROUP,
            schedule=ScheduleFactory(),
            organisation=org,
            lead_booker=people[0],
            delegates=people[1:],
            discount_kind="percent",
            discount_value=D("10"),
            discount_reason=LONG,
        ),
        "discount_reason",
    )
    b.refresh_from_db()
    assert b.notes == "" and b.is_active  # nothing changed
    # At the bound, everything is kept as typed.
    bookings.booking_update(actor=admin_user, booking=b, po_number="", notes="n" * MAX_TEXT)
    b.refresh_from_db()
    assert len(b.notes) == MAX_TEXT


def test_contact_and_schedule_services_refuse_long_text(admin_user):
    refused(
        lambda: contacts.organisation_create(actor=admin_user, name="A", billing_address=LONG),
        "billing_address",
    )
    org, (person, *_) = organisation_with_members(1)
    refused(
        lambda: contacts.organisation_update(
            actor=admin_user, organisation=org, name="A", billing_address=LONG
        ),
        "billing_address",
    )
    refused(
        lambda: contacts.membership_remove(
            actor=admin_user, organisation=org, contact=person, reason=LONG
        ),
        "reason",
    )
    refused(lambda: schedules.venue_create(actor=admin_user, name="V", address=LONG), "address")
    course = {"code": "LONG1", "title": "T", "default_price": D("1"), "vat_rate": D("0.2")}
    refused(
        lambda: schedules.course_create(actor=admin_user, **course, description=LONG),
        "description",
    )
    existing = schedules.course_create(actor=admin_user, **course)
    refused(
        lambda: schedules.course_update(
            actor=admin_user, course=existing, **course, description=LONG
        ),
        "description",
    )
    session = ScheduleFactory().sessions.first()
    refused(
        lambda: schedules.session_remove(actor=admin_user, session=session, reason=LONG), "reason"
    )


def test_ledger_services_refuse_long_reasons(finance_user):
    # The ledger allows a little more than people may type: the bookings side prefixes the
    # reason it already bounded ("Delegates cancelled: <reason>").
    too_long = "r" * (MAX_REASON + 1)
    inv = issue(finance_user)
    ledger.payment_record(actor=finance_user, invoice=inv, amount=D("150"), method="card")
    inv.refresh_from_db()
    other = issue(finance_user, acct=inv.account)
    calls = [
        lambda: ledger.credit_note_issue(
            actor=finance_user, invoice=inv, reason=too_long, amount=D("1")
        ),
        lambda: ledger.refund_issue(
            actor=finance_user, invoice=inv, amount=D("1"), reason=too_long
        ),
        lambda: ledger.payment_reallocate(
            actor=finance_user, source=inv, target=other, amount=D("1"), reason=too_long
        ),
        lambda: ledger.charge_invoice_issue(
            actor=finance_user,
            original=inv,
            amount_net=D("5"),
            vat_rate=D("0.2"),
            description="Charge",
            reason=too_long,
        ),  # fmt: skip
        lambda: ledger.invoice_issue(
            actor=finance_user, account=inv.account, lines=[gross_line("10")], reason=too_long
        ),
    ]
    for call in calls:
        refused(call, "reason", MAX_REASON, MAX_REASON + 1)


def test_email_template_service_refuses_long_parts(admin_user):
    template = EmailTemplate.objects.first()
    kw = {"subject": template.subject, "body": template.body, "html_body": ""}
    big = "b" * (MAX_TEMPLATE + 1)
    for field, value, limit in [
        ("body", big, MAX_TEMPLATE),
        ("html_body", big, MAX_TEMPLATE),
        ("subject", "s" * 301, 300),
    ]:
        refused(
            lambda f=field, v=value: email_template_update(
                actor=admin_user, template=template, **{**kw, f: v}
            ),
            field,
            limit,
            len(value),
        )


def test_history_never_holds_an_unbounded_reason(admin_user):
    refused(
        lambda: audit_record(
            actor=admin_user, target=admin_user, action="a", summary="s", reason=LONG * 2
        ),
        "reason",
        MAX_REASON,
        len(LONG * 2),
    )
    assert not AuditEvent.objects.exists()
