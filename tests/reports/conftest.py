"""One ledger history built through the real services, dated with time-machine (Europe/London).

20 Feb 2025  Ann books the past schedule SP (course A, 100 + 20 % VAT)   INV 120
10 Mar 2025  Acme books 3 delegates on SA (course A, starts 15 Apr)       INV 360
             Ben books SB (course B, 250 + VAT, starts 1 May)             INV 300
             a room hire invoice with no course                           INV  50
12 Mar 2025  100 received on the Acme invoice
 2 Apr 2025  150 received on Ann's invoice (30 over), 30 refunded;
             credit note of 60 on Ben's invoice; Acme's third delegate cancelled
             (credit note 120 for the line)
10 Apr 2025  "now" for the reports
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bookings.models import Booking, BookingType
from bookings.services import booking_cancel_delegates, booking_create
from invoicing.models import Invoice
from invoicing.services import (
    LineSpec,
    billing_account_for,
    credit_note_issue,
    invoice_issue,
    payment_record,
    refund_issue,
)
from tests.bookings.factories import (
    ContactFactory,
    CourseFactory,
    ScheduleFactory,
    organisation_with_members,
)

LONDON = ZoneInfo("Europe/London")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


NOW = at(2025, 4, 10, 12, 0)


@dataclass
class Ledger:
    course_a: object
    course_b: object
    past: object
    sa: object
    sb: object
    ann_booking: Booking
    acme_booking: Booking
    ben_booking: Booking
    acme: object
    delegates: list
    ben: object


def build_ledger(actor) -> Ledger:
    course_a = CourseFactory(title="First Aid at Work", default_price=Decimal("100.00"))
    course_b = CourseFactory(title="Manual Handling", default_price=Decimal("250.00"))
    past = ScheduleFactory(course=course_a, start_at=at(2025, 3, 1, 9), end_at=at(2025, 3, 1, 17))
    sa = ScheduleFactory(course=course_a, start_at=at(2025, 4, 15, 9), end_at=at(2025, 4, 16, 17))
    sb = ScheduleFactory(course=course_b, start_at=at(2025, 5, 1, 9), end_at=at(2025, 5, 1, 17))
    ann = ContactFactory(first_name="Ann", last_name="Archer")
    ben = ContactFactory(first_name="Ben", last_name="Baker")
    acme, people = organisation_with_members(4, name="Acme Training Ltd")
    lead, delegates = people[0], people[1:]

    with time_machine.travel(at(2025, 2, 20, 10), tick=False):
        ann_booking = booking_create(
            actor=actor, kind=BookingType.INDIVIDUAL, schedule=past, student=ann
        )
    with time_machine.travel(at(2025, 3, 10, 10), tick=False):
        acme_booking = booking_create(
            actor=actor,
            kind=BookingType.GROUP,
            schedule=sa,
            organisation=acme,
            lead_booker=lead,
            delegates=delegates,
        )
        ben_booking = booking_create(
            actor=actor, kind=BookingType.INDIVIDUAL, schedule=sb, student=ben
        )
        invoice_issue(
            actor=actor,
            account=billing_account_for(contact=ContactFactory()),
            lines=[
                LineSpec(
                    description="Room hire",
                    unit_net=Decimal("50.00"),
                    vat_rate=Decimal("0"),
                    kind="other",
                )
            ],
        )
    with time_machine.travel(at(2025, 3, 12, 10), tick=False):
        payment_record(
            actor=actor,
            invoice=Invoice.objects.get(booking=acme_booking),
            amount=Decimal("100.00"),
            method="bank_transfer",
        )
    with time_machine.travel(at(2025, 4, 2, 10), tick=False):
        ann_invoice = Invoice.objects.get(booking=ann_booking)
        payment_record(actor=actor, invoice=ann_invoice, amount=Decimal("150.00"), method="card")
        refund_issue(
            actor=actor,
            invoice=Invoice.objects.get(pk=ann_invoice.pk),
            amount=Decimal("30.00"),
            reason="Paid twice",
        )
        credit_note_issue(
            actor=actor,
            invoice=Invoice.objects.get(booking=ben_booking),
            reason="Goodwill",
            amount=Decimal("60.00"),
        )
        third = acme_booking.places.order_by("pk").last()
        booking_cancel_delegates(
            actor=actor, booking=acme_booking, place_ids=[third.pk], reason="Left the company"
        )
    return Ledger(
        course_a=course_a,
        course_b=course_b,
        past=past,
        sa=sa,
        sb=sb,
        ann_booking=ann_booking,
        acme_booking=acme_booking,
        ben_booking=ben_booking,
        acme=acme,
        delegates=delegates,
        ben=ben,
    )


@pytest.fixture
def ledger(admin_user):
    return build_ledger(admin_user)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW
