"""Service-level tests of booking_create and friends: every outcome of seed 000 / SPEC 4."""

from decimal import Decimal

import pytest

from bookings import services
from bookings.models import (
    Attendance,
    AttendanceStatus,
    Booking,
    BookingPlace,
    BookingStatus,
    BookingType,
    PlaceState,
)
from bookings.services.status import transition
from core.errors import DomainError
from core.models import AuditEvent
from invoicing.models import CreditNote, Invoice
from invoicing.services import payment_record
from notifications.models import OutboxMessage
from notifications.selectors import emails_about

from .factories import ContactFactory, ScheduleFactory, organisation_with_members

pytestmark = pytest.mark.django_db


def book_individual(actor, schedule, student=None, **kw):
    return services.booking_create(
        actor=actor,
        kind=BookingType.INDIVIDUAL,
        schedule=schedule,
        student=student or ContactFactory(),
        **kw,
    )


def book_group(actor, schedule, count=3, **kw):
    org, people = organisation_with_members(count + 1)
    lead, delegates = people[0], people[1:]
    booking = services.booking_create(
        actor=actor,
        kind=BookingType.GROUP,
        schedule=schedule,
        organisation=org,
        lead_booker=lead,
        delegates=delegates,
        **kw,
    )
    return booking, org, lead, delegates


# --- individual ---------------------------------------------------------------------------------


def test_individual_booking_outcomes(admin_user, schedule):
    student = ContactFactory(first_name="Ann", last_name="Lee", email="ann@example.test")
    booking = book_individual(admin_user, schedule, student, po_number=" PO-1 ")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.reference == f"BK{booking.pk:06d}"
    assert booking.contact == student and booking.po_number == "PO-1"
    assert booking.created_by == admin_user
    place = booking.places.get()
    assert place.contact == student and place.state == PlaceState.BOOKED
    assert place.unit_net == Decimal("100.00")
    # capacity taken
    schedule.refresh_from_db()
    assert schedule.places_taken == 1
    # attendance Pending per timetable session
    assert list(Attendance.objects.filter(place=place).values_list("status", flat=True)) == [
        AttendanceStatus.PENDING,
        AttendanceStatus.PENDING,
    ]
    # invoice: one line per delegate, outstanding, billed to the student, PO carried
    invoice = Invoice.objects.get(booking=booking)
    assert invoice.gross_total == Decimal("120.00")
    assert invoice.outstanding == Decimal("120.00")
    assert invoice.status == Invoice.Status.OUTSTANDING
    assert invoice.po_number == "PO-1"
    assert invoice.bill_to_name == "Ann Lee"
    assert [line.booking_place_id for line in invoice.lines.all()] == [place.pk]
    # email to the delegate only
    emails = list(emails_about(booking))
    assert [m.to for m in emails] == [["ann@example.test"]]
    assert "Booking confirmed" in emails[0].subject
    assert "Ann Lee" in emails[0].body and schedule.code in emails[0].body
    # history
    event = AuditEvent.objects.for_object(booking).get()
    assert event.action == "booking.created" and event.actor == admin_user


def test_individual_student_with_family_is_billed_to_family(admin_user, schedule):
    from .factories import FamilyFactory

    family = FamilyFactory(name="The Lees")
    student = ContactFactory(family=family)
    booking = book_individual(admin_user, schedule, student)
    assert Invoice.objects.get(booking=booking).bill_to_name == "The Lees"


def test_individual_requires_student(admin_user, schedule):
    with pytest.raises(DomainError, match="Choose the student"):
        services.booking_create(actor=admin_user, kind="individual", schedule=schedule)


def test_unknown_kind_refused(admin_user, schedule):
    with pytest.raises(DomainError, match="booking type"):
        services.booking_create(
            actor=admin_user, kind="bogus", schedule=schedule, student=ContactFactory()
        )


def test_student_without_email_is_booked_without_email(admin_user, schedule):
    booking = book_individual(admin_user, schedule, ContactFactory(email=""))
    assert booking.places.count() == 1
    assert not emails_about(booking).exists()


def test_free_course_raises_no_invoice(admin_user):
    schedule = ScheduleFactory(price=Decimal("0.00"))
    booking = book_individual(admin_user, schedule)
    assert not Invoice.objects.filter(booking=booking).exists()
    assert emails_about(booking).count() == 1


# --- group --------------------------------------------------------------------------------------


def test_group_booking_outcomes(admin_user, schedule):
    booking, org, lead, delegates = book_group(admin_user, schedule, count=3, po_number="PO-9")

    assert booking.kind == BookingType.GROUP and booking.status == BookingStatus.CONFIRMED
    assert booking.organisation == org and booking.lead_booker == lead
    places = list(booking.places.order_by("pk"))
    assert [p.contact for p in places] == delegates
    schedule.refresh_from_db()
    assert schedule.places_taken == 3
    assert Attendance.objects.filter(place__booking=booking).count() == 6
    invoice = Invoice.objects.get(booking=booking)
    assert invoice.bill_to_name == org.name
    assert invoice.gross_total == Decimal("360.00")
    lines = list(invoice.lines.order_by("position"))
    assert [line.booking_place_id for line in lines] == [p.pk for p in places]
    emails = list(emails_about(booking).order_by("pk"))
    recipients = [m.to[0] for m in emails]
    assert sorted(recipients) == sorted([d.email for d in delegates] + [lead.email])
    lead_mail = next(m for m in emails if m.to == [lead.email])
    assert "Group booking" in lead_mail.subject
    for d in delegates:
        assert d.full_name in lead_mail.body  # booking information: who is booked
    assert "£360.00" in lead_mail.body and "PO-9" in lead_mail.body
    assert invoice.display_no in lead_mail.body


def test_group_needs_lead_booker(admin_user, schedule):
    org, people = organisation_with_members(2)
    with pytest.raises(DomainError, match="lead booker"):
        services.booking_create(
            actor=admin_user, kind="group", schedule=schedule, organisation=org, delegates=people
        )


def test_group_needs_a_delegate(admin_user, schedule):
    org, people = organisation_with_members(1)
    with pytest.raises(DomainError, match="at least one delegate"):
        services.booking_create(
            actor=admin_user,
            kind="group",
            schedule=schedule,
            organisation=org,
            lead_booker=people[0],
            delegates=[],
        )


def test_group_needs_organisation(admin_user, schedule):
    with pytest.raises(DomainError, match="organisation"):
        services.booking_create(
            actor=admin_user,
            kind="group",
            schedule=schedule,
            lead_booker=ContactFactory(),
            delegates=[ContactFactory()],
        )


def test_group_only_linked_contacts(admin_user, schedule):
    org, people = organisation_with_members(2)
    outsider = ContactFactory(first_name="Olly", last_name="Outsider")
    with pytest.raises(DomainError, match="Olly Outsider is not linked"):
        services.booking_create(
            actor=admin_user,
            kind="group",
            schedule=schedule,
            organisation=org,
            lead_booker=people[0],
            delegates=[people[1], outsider],
        )
    with pytest.raises(DomainError, match="cannot be the lead booker"):
        services.booking_create(
            actor=admin_user,
            kind="group",
            schedule=schedule,
            organisation=org,
            lead_booker=outsider,
            delegates=[people[1]],
        )
    assert not Booking.objects.exists()
    schedule.refresh_from_db()
    assert schedule.places_taken == 0


def test_group_no_duplicate_delegates(admin_user, schedule):
    org, people = organisation_with_members(2)
    with pytest.raises(DomainError, match="added twice"):
        services.booking_create(
            actor=admin_user,
            kind="group",
            schedule=schedule,
            organisation=org,
            lead_booker=people[0],
            delegates=[people[1], people[1]],
        )


def test_same_person_cannot_hold_two_places_on_one_schedule(admin_user, schedule):
    student = ContactFactory(first_name="Bea", last_name="Twice")
    book_individual(admin_user, schedule, student)
    with pytest.raises(DomainError, match="Bea Twice is already booked"):
        book_individual(admin_user, schedule, student)
    schedule.refresh_from_db()
    assert schedule.places_taken == 1


# --- capacity and idempotency -------------------------------------------------------------------


def test_full_schedule_refused_with_clear_message(admin_user):
    schedule = ScheduleFactory(capacity=1)
    book_individual(admin_user, schedule)
    with pytest.raises(DomainError, match="No places left"):
        book_individual(admin_user, schedule)
    assert Booking.objects.count() == 1
    assert Invoice.objects.count() == 1


def test_group_larger_than_places_left_refused(admin_user):
    schedule = ScheduleFactory(capacity=2)
    with pytest.raises(DomainError, match="Only 2 places left"):
        book_group(admin_user, schedule, count=3)
    schedule.refresh_from_db()
    assert schedule.places_taken == 0
    assert not OutboxMessage.objects.exists()


def test_same_token_twice_creates_one_booking(admin_user, schedule):
    student = ContactFactory()
    first = book_individual(admin_user, schedule, student, idempotency_key="tok-1")
    second = book_individual(admin_user, schedule, student, idempotency_key="tok-1")
    assert first.pk == second.pk
    assert Booking.objects.count() == 1
    assert Invoice.objects.count() == 1
    assert OutboxMessage.objects.count() == 1
    schedule.refresh_from_db()
    assert schedule.places_taken == 1


# --- discount -------------------------------------------------------------------------------------


def test_percentage_discount_applied_per_line(admin_user, schedule):
    booking, *_ = book_group(
        admin_user,
        schedule,
        count=3,
        discount_kind="percent",
        discount_value=Decimal("10"),
        discount_reason="Loyal customer",
    )
    invoice = Invoice.objects.get(booking=booking)
    assert [line.net for line in invoice.lines.all()] == [Decimal("90.00")] * 3
    assert invoice.gross_total == Decimal("324.00")


def test_fixed_discount_spread_over_lines_to_the_penny(admin_user, schedule):
    booking, *_ = book_group(
        admin_user,
        schedule,
        count=3,
        discount_kind="fixed",
        discount_value=Decimal("10.00"),
        discount_reason="Goodwill",
    )
    nets = [line.net for line in Invoice.objects.get(booking=booking).lines.all()]
    assert nets == [Decimal("96.66"), Decimal("96.67"), Decimal("96.67")] or sorted(nets) == [
        Decimal("96.66"),
        Decimal("96.67"),
        Decimal("96.67"),
    ]
    assert sum(nets) == Decimal("290.00")


def test_discount_needs_reason(admin_user, schedule):
    with pytest.raises(DomainError, match="reason for the discount"):
        book_individual(admin_user, schedule, discount_kind="percent", discount_value=Decimal("5"))


def test_discount_cannot_exceed_price(admin_user, schedule):
    with pytest.raises(DomainError, match="more than the price"):
        book_individual(
            admin_user,
            schedule,
            discount_kind="fixed",
            discount_value=Decimal("500"),
            discount_reason="x",
        )


def test_set_discount_on_unpaid_invoice_credits_and_reissues(admin_user, schedule):
    booking, *_ = book_group(admin_user, schedule, count=2)
    old = Invoice.objects.get(booking=booking)
    services.booking_set_discount(
        actor=admin_user, booking=booking, kind="percent", value=Decimal("50"), reason="Charity"
    )
    old.refresh_from_db()
    assert old.credited_total == old.gross_total == Decimal("240.00")
    assert old.outstanding == Decimal("0.00")
    new = Invoice.objects.filter(booking=booking).exclude(pk=old.pk).get()
    assert new.supersedes == old
    assert new.gross_total == Decimal("120.00") and new.outstanding == Decimal("120.00")
    assert {line.booking_place_id for line in new.lines.all()} == set(
        booking.places.values_list("pk", flat=True)
    )
    booking.refresh_from_db()
    assert booking.discount_kind == "percent" and booking.discount_reason == "Charity"
    assert set(booking.places.values_list("unit_net", flat=True)) == {Decimal("50.00")}
    assert AuditEvent.objects.for_object(booking).filter(action="booking.discount").exists()


def test_set_discount_refused_once_paid(admin_user, schedule):
    booking = book_individual(admin_user, schedule)
    invoice = Invoice.objects.get(booking=booking)
    payment_record(actor=admin_user, invoice=invoice, amount=Decimal("20.00"), method="card")
    with pytest.raises(DomainError, match="has been paid, so the discount can no longer"):
        services.booking_set_discount(
            actor=admin_user, booking=booking, kind="fixed", value=Decimal("10"), reason="x"
        )
    assert Invoice.objects.filter(booking=booking).count() == 1
    assert not CreditNote.objects.exists()


def test_set_discount_requires_reason(admin_user, schedule):
    booking = book_individual(admin_user, schedule)
    with pytest.raises(DomainError, match="reason"):
        services.booking_set_discount(
            actor=admin_user, booking=booking, kind="fixed", value=Decimal("10"), reason=" "
        )


def test_remove_discount(admin_user, schedule):
    booking = book_individual(
        admin_user,
        schedule,
        discount_kind="fixed",
        discount_value=Decimal("20"),
        discount_reason="x",
    )
    services.booking_set_discount(
        actor=admin_user, booking=booking, kind="", value=None, reason="Mistake"
    )
    booking.refresh_from_db()
    assert not booking.has_discount
    live = [i for i in Invoice.objects.filter(booking=booking) if i.credited_total == 0]
    assert [i.gross_total for i in live] == [Decimal("120.00")]


# --- PO number ------------------------------------------------------------------------------------


def test_po_number_change_sends_back_office_confirmation_once(admin_user, schedule):
    booking, org, lead, _ = book_group(admin_user, schedule, count=2)
    before = emails_about(booking).count()

    services.booking_update_po_number(actor=admin_user, booking=booking, po_number="PO-123")
    po_mails = emails_about(booking).filter(template_key="booking_po_confirmation")
    assert po_mails.count() == 1
    assert po_mails.get().to == [lead.email]
    assert "PO-123" in po_mails.get().subject

    # the same number again, or an unrelated edit: no new email
    services.booking_update_po_number(actor=admin_user, booking=booking, po_number="PO-123")
    services.booking_update(actor=admin_user, booking=booking, po_number="PO-123", notes="hi")
    assert emails_about(booking).count() == before + 1

    # another change: one more
    services.booking_update_po_number(actor=admin_user, booking=booking, po_number="PO-124")
    assert emails_about(booking).filter(template_key="booking_po_confirmation").count() == 2
    history = list(AuditEvent.objects.for_object(booking).filter(action="booking.edited"))
    assert len(history) == 3


def test_po_confirmation_goes_to_student_of_individual_booking(admin_user, schedule):
    student = ContactFactory(email="stu@example.test")
    booking = book_individual(admin_user, schedule, student)
    services.booking_update_po_number(actor=admin_user, booking=booking, po_number="A1")
    mail = emails_about(booking).get(template_key="booking_po_confirmation")
    assert mail.to == ["stu@example.test"]


# --- cancel delegates -----------------------------------------------------------------------------


def test_cancel_delegates_frees_places_credits_lines_and_emails(admin_user, schedule):
    booking, org, lead, delegates = book_group(admin_user, schedule, count=3)
    invoice = Invoice.objects.get(booking=booking)
    place = booking.places.get(contact=delegates[0])
    services.booking_cancel_delegates(
        actor=admin_user, booking=booking, place_ids=[place.pk], reason="Off sick"
    )
    place.refresh_from_db()
    assert place.state == PlaceState.CANCELLED and place.cancel_reason == "Off sick"
    schedule.refresh_from_db()
    assert schedule.places_taken == 2
    assert set(place.attendance.values_list("status", flat=True)) == {AttendanceStatus.CANCELLED}
    note = CreditNote.objects.get(invoice=invoice)
    assert note.gross_total == Decimal("120.00")
    invoice.refresh_from_db()
    assert invoice.outstanding == Decimal("240.00")
    cancelled_mails = emails_about(booking).filter(template_key="booking_delegate_cancelled")
    assert [m.to for m in cancelled_mails] == [[delegates[0].email]]
    lead_mail = emails_about(booking).get(template_key="booking_lead_booker_cancellation")
    assert lead_mail.to == [lead.email]
    assert delegates[0].full_name in lead_mail.body and delegates[1].full_name in lead_mail.body
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_cancel_delegates_with_charge(admin_user, schedule):
    booking, *_ = book_group(admin_user, schedule, count=2)
    place = booking.places.first()
    services.booking_cancel_delegates(
        actor=admin_user,
        booking=booking,
        place_ids=[place.pk],
        reason="Late",
        charge_net=Decimal("25.00"),
    )
    charge = Invoice.objects.get(booking=booking, kind=Invoice.Kind.CHARGE)
    assert charge.gross_total == Decimal("30.00")
    assert charge.status == Invoice.Status.OUTSTANDING


def test_cancelling_every_delegate_cancels_booking(admin_user, schedule):
    booking, *_ = book_group(admin_user, schedule, count=2)
    ids = list(booking.places.values_list("pk", flat=True))
    services.booking_cancel_delegates(actor=admin_user, booking=booking, place_ids=ids, reason="x")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    invoice = Invoice.objects.get(booking=booking)
    assert invoice.credited_total == invoice.gross_total
    schedule.refresh_from_db()
    assert schedule.places_taken == 0


def test_cancel_delegates_needs_reason_and_own_places(admin_user, schedule):
    booking, *_ = book_group(admin_user, schedule, count=2)
    other = book_individual(admin_user, schedule)
    with pytest.raises(DomainError, match="reason"):
        services.booking_cancel_delegates(
            actor=admin_user, booking=booking, place_ids=[booking.places.first().pk], reason=""
        )
    with pytest.raises(DomainError, match="not on this booking"):
        services.booking_cancel_delegates(
            actor=admin_user, booking=booking, place_ids=[other.places.get().pk], reason="x"
        )


def test_cancel_already_cancelled_delegate_refused(admin_user, schedule):
    booking, *_ = book_group(admin_user, schedule, count=2)
    place = booking.places.first()
    services.booking_cancel_delegates(
        actor=admin_user, booking=booking, place_ids=[place.pk], reason="x"
    )
    with pytest.raises(DomainError, match="no longer booked"):
        services.booking_cancel_delegates(
            actor=admin_user, booking=booking, place_ids=[place.pk], reason="x"
        )


def test_cancel_after_discount_change_credits_the_corrected_invoice(admin_user, schedule):
    booking, *_ = book_group(admin_user, schedule, count=2)
    services.booking_set_discount(
        actor=admin_user, booking=booking, kind="percent", value=Decimal("50"), reason="r"
    )
    new = Invoice.objects.filter(booking=booking).order_by("-pk").first()
    services.booking_cancel_delegates(
        actor=admin_user, booking=booking, place_ids=[booking.places.first().pk], reason="x"
    )
    assert CreditNote.objects.get(invoice=new).gross_total == Decimal("60.00")


# --- status transitions ---------------------------------------------------------------------------


def test_transitions_allowed_and_refused(admin_user, schedule):
    import datetime

    from django.utils import timezone

    future = book_individual(admin_user, schedule)
    with pytest.raises(DomainError, match="has not started yet"):
        services.booking_mark_noshow(actor=admin_user, booking=future)
    started = ScheduleFactory(start_at=timezone.now() - datetime.timedelta(days=3))
    booking = book_individual(admin_user, started)
    with pytest.raises(DomainError, match="confirmed booking cannot be marked pending"):
        transition(actor=admin_user, booking=booking, to=BookingStatus.PENDING)
    with pytest.raises(DomainError, match="cannot be marked confirmed"):
        services.booking_confirm(actor=admin_user, booking=booking)
    services.booking_mark_noshow(actor=admin_user, booking=booking, reason="Did not come")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NOSHOW
    services.booking_complete(actor=admin_user, booking=booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    with pytest.raises(DomainError):
        services.booking_cancel(actor=admin_user, booking=booking, reason="x")
    actions = set(AuditEvent.objects.for_object(booking).values_list("action", flat=True))
    assert {"booking.noshow", "booking.completed"} <= actions


def test_cancel_whole_booking(admin_user, schedule):
    booking = book_individual(admin_user, schedule)
    services.booking_cancel(actor=admin_user, booking=booking, reason="Changed mind")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancel_reason == "Changed mind"
    assert BookingPlace.objects.get(booking=booking).state == PlaceState.CANCELLED
    schedule.refresh_from_db()
    assert schedule.places_taken == 0


def test_emails_show_local_times(admin_user):
    import datetime

    start = datetime.datetime(2031, 7, 1, 8, 0, tzinfo=datetime.UTC)  # 09:00 in London (BST)
    schedule = ScheduleFactory(start_at=start, end_at=start + datetime.timedelta(hours=8))
    booking = book_individual(admin_user, schedule)
    body = emails_about(booking).get().body
    assert "01 July 2031 09:00" in body
