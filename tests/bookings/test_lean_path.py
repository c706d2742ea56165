"""The guarantees the lean booking path keeps without its old reads: the idempotency key is
only looked up when something refused the booking, the reference comes from the database."""

import pytest

from bookings import services
from bookings.models import Attendance, Booking, BookingPlace, BookingType
from core.errors import DomainError
from core.models import AuditEvent
from invoicing.models import BillingAccount, Invoice, RevenueEntry
from notifications.models import OutboxLink, OutboxMessage

from .factories import ContactFactory, ScheduleFactory

pytestmark = pytest.mark.django_db


def book(actor, schedule, student, **kw):
    return services.booking_create(
        actor=actor, kind=BookingType.INDIVIDUAL, schedule=schedule, student=student, **kw
    )


def test_a_second_submit_that_finds_the_schedule_full_returns_the_first_booking(admin_user):
    schedule = ScheduleFactory(capacity=1)
    student = ContactFactory()
    first = book(admin_user, schedule, student, idempotency_key="tok-full")
    assert book(admin_user, schedule, student, idempotency_key="tok-full").pk == first.pk
    schedule.refresh_from_db()
    assert schedule.places_taken == 1
    assert Booking.objects.count() == 1 and Invoice.objects.count() == 1


def test_a_second_submit_after_the_place_was_cancelled_returns_the_first_booking(admin_user):
    # Nothing refuses it before the booking INSERT: the unique key does, the service rolls
    # back (places, invoice, emails) and answers with the first booking.
    schedule = ScheduleFactory(capacity=5)
    student = ContactFactory()
    first = book(admin_user, schedule, student, idempotency_key="tok-cancelled")
    services.booking_cancel(actor=admin_user, booking=first, reason="Changed plans")
    counts = (Invoice.objects.count(), OutboxMessage.objects.count(), AuditEvent.objects.count())
    again = book(admin_user, schedule, student, idempotency_key="tok-cancelled")
    assert again.pk == first.pk
    assert (
        Invoice.objects.count(),
        OutboxMessage.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    schedule.refresh_from_db()
    assert schedule.places_taken == 0


def test_a_refusal_without_a_twin_is_still_refused(admin_user):
    schedule = ScheduleFactory(capacity=1)
    book(admin_user, schedule, ContactFactory(), idempotency_key="tok-a")
    with pytest.raises(DomainError, match="No places left"):
        book(admin_user, schedule, ContactFactory(), idempotency_key="tok-b")


def test_every_row_of_a_booking_is_written(admin_user, schedule):
    booking = book(admin_user, schedule, ContactFactory(), idempotency_key="tok-rows")
    place = BookingPlace.objects.get(booking=booking)
    assert Attendance.objects.filter(place=place).count() == 2  # one per timetable session
    invoice = Invoice.objects.get(booking=booking)
    assert invoice.lines.get().course_id == schedule.course_id
    assert RevenueEntry.objects.filter(course_key=schedule.course_id).exists()
    assert OutboxLink.objects.filter(object_id__in=[booking.pk, invoice.pk]).count() == 2
    assert list(
        AuditEvent.objects.filter(target_id__in=[booking.pk, invoice.pk])
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["invoice.issued", "booking.created"]
    assert BillingAccount.objects.get(contact=booking.contact).name == booking.contact.full_name


def test_the_reference_is_computed_by_the_database(admin_user, schedule):
    booking = book(admin_user, schedule, ContactFactory())
    assert booking.reference == f"BK{booking.pk:06d}"  # returned by the INSERT
    big = Booking.objects.create(  # a row as the millionth booking would be
        id=1234567, kind=BookingType.INDIVIDUAL, schedule=schedule, unit_price=0, vat_rate=0
    )
    assert big.reference == "BK1234567"
    assert Booking.objects.get(reference="BK1234567").pk == 1234567


def test_the_billing_account_follows_the_contact_name(admin_user):
    student = ContactFactory(first_name="Ann", last_name="Lee")
    book(admin_user, ScheduleFactory(), student)
    student.last_name = "Lee-Smith"
    student.save()
    book(admin_user, ScheduleFactory(), student)
    account = BillingAccount.objects.get(contact=student)
    assert account.name == "Ann Lee-Smith"
    assert list(Invoice.objects.filter(account=account).values_list("bill_to_name", flat=True))
    assert Invoice.objects.filter(account=account).count() == 2
