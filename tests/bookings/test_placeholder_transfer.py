"""Transferring a placeholder as a whole (SPEC 5: "a placeholder can be transferred as a whole
only while it has no invoice"): every place moves with its capacity, the assigned delegates'
attendance follows, the booking follows; refused with an invoice, onto a full, ended or the
same schedule; the page previews it."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import Attendance, AttendanceStatus, Booking, BookingPlace, PlaceState
from core.errors import DomainError
from core.models import AuditEvent
from invoicing.models import Invoice, InvoiceLine
from notifications.models import OutboxMessage
from schedules.models import Schedule
from tests.actions import confirm, ledger_counts, preview

from .factories import CourseFactory, ScheduleFactory, organisation_with_members

pytestmark = pytest.mark.django_db


def _schedule(price="0.00", vat="0", capacity=10, **kw) -> Schedule:
    return ScheduleFactory(
        course=CourseFactory(default_price=D(price), vat_rate=D(vat)), capacity=capacity, **kw
    )


def _free_placeholder(actor, n=3, *, assign=1, price="0.00"):
    """A placeholder bought at `price` (0.00: no invoice) with a lead booker and `assign`
    delegates assigned."""
    org, people = organisation_with_members(4)
    booking = services.placeholder_buy(
        actor=actor, schedule=_schedule(price), organisation=org, places=n, lead_booker=people[0]
    )
    for person in people[1 : 1 + assign]:
        services.placeholder_assign(actor=actor, booking=booking, contact=person)
    return Booking.objects.get(pk=booking.pk), people


def _transfer(actor, booking, schedule, reason="Course moved"):
    return services.placeholder_transfer(
        actor=actor, booking=booking, schedule=schedule, reason=reason
    )


def _taken(schedule) -> int:
    return Schedule.objects.get(pk=schedule.pk).places_taken


def _state(booking):
    """Everything a refused transfer must leave as it was."""
    return (
        Booking.objects.filter(pk=booking.pk).values_list("schedule_id", "unit_price").get(),
        sorted(BookingPlace.objects.filter(booking=booking).values_list("pk", "schedule_id")),
        sorted(Attendance.objects.filter(place__booking=booking).values_list("pk", "session_id")),
        sorted(Schedule.objects.values_list("pk", "places_taken")),
        OutboxMessage.objects.count(),
        AuditEvent.objects.count(),
        Invoice.objects.count(),
    )


def test_every_place_moves_with_capacity_attendance_history_and_email(admin_user):
    booking, people = _free_placeholder(admin_user, 3, assign=1)
    old = booking.schedule
    target = _schedule(capacity=5)
    assigned = BookingPlace.objects.get(booking=booking, contact=people[1])
    emails_before = OutboxMessage.objects.count()

    _transfer(admin_user, booking, target, reason="Customer asked for May")

    booking = Booking.objects.get(pk=booking.pk)
    assert (booking.schedule_id, booking.unit_price, booking.vat_rate) == (
        target.pk,
        target.price,
        target.vat_rate,
    )
    assert booking.places_bought == 3
    places = list(BookingPlace.objects.filter(booking=booking))
    assert len(places) == 3 and {p.schedule_id for p in places} == {target.pk}
    assert {p.state for p in places} == {PlaceState.BOOKED}
    assert sum(1 for p in places if p.contact_id) == 1  # the assigned one stays assigned
    assert (_taken(old), _taken(target)) == (0, 3)
    assert sorted(
        Attendance.objects.filter(place=assigned).values_list("session_id", "status")
    ) == sorted((s.pk, AttendanceStatus.PENDING) for s in target.sessions.all())
    assert not Attendance.objects.filter(session__schedule=old).exists()
    event = AuditEvent.objects.for_object(booking).get(action="placeholder.transferred")
    assert old.code in event.summary and target.code in event.summary
    assert "3 places (1 assigned)" in event.summary and event.reason == "Customer asked for May"
    mail = OutboxMessage.objects.order_by("pk")[emails_before:].get()
    assert mail.to == [people[0].email] and mail.template_key == "booking_placeholder_transferred"
    assert target.code in mail.subject
    for text in [people[0].full_name, old.code, target.code, people[1].full_name, "May"]:
        assert text in mail.body, text
    assert not Invoice.objects.exists()


def test_no_lead_booker_no_email_and_free_places_only(admin_user):
    org, _ = organisation_with_members(1)
    booking = services.placeholder_buy(
        actor=admin_user, schedule=_schedule(), organisation=org, places=2
    )
    target = _schedule()
    before = OutboxMessage.objects.count()
    _transfer(admin_user, booking, target)
    assert OutboxMessage.objects.count() == before
    assert _taken(target) == 2


def test_onto_a_priced_schedule_the_places_are_invoiced_there(admin_user):
    booking, _ = _free_placeholder(admin_user, 4, assign=0)
    target = _schedule("50.00", "0.2000")
    _transfer(admin_user, booking, target)
    invoice = Invoice.objects.get(booking=booking)
    line = invoice.lines.get()
    assert (line.kind, line.quantity, line.unit_net) == (InvoiceLine.Kind.PLACES, 4, D("50.00"))
    assert invoice.gross_total == D("240.00")
    mail = OutboxMessage.objects.get(template_key="booking_placeholder_transferred")
    assert invoice.display_no in mail.body
    # now it has an invoice: no second transfer
    with pytest.raises(DomainError, match="only while it has no invoice"):
        _transfer(admin_user, Booking.objects.get(pk=booking.pk), _schedule())


def test_refused_while_the_placeholder_has_an_invoice(admin_user):
    booking, _ = _free_placeholder(admin_user, 2, assign=1, price="100.00")
    number = Invoice.objects.get(booking=booking).display_no
    target = _schedule()
    before = _state(booking)
    with pytest.raises(DomainError) as refused:
        _transfer(admin_user, booking, target)
    assert "only while it has no invoice" in refused.value.message
    assert number in refused.value.message
    assert _state(booking) == before


def test_refused_when_the_new_schedule_has_too_few_places(admin_user):
    booking, _ = _free_placeholder(admin_user, 3)
    small = _schedule(capacity=2)
    full = _schedule(capacity=1)
    Schedule.objects.filter(pk=full.pk).update(places_taken=1)
    before = _state(booking)
    with pytest.raises(DomainError, match="Only 2 places left"):
        _transfer(admin_user, booking, small)
    with pytest.raises(DomainError, match="the schedule is full"):
        _transfer(admin_user, booking, full)
    assert _state(booking) == before


def test_refused_onto_the_same_or_an_ended_schedule_or_without_a_reason(admin_user):
    booking, _ = _free_placeholder(admin_user, 2)
    ended = _schedule(start_at=timezone.now() - datetime.timedelta(days=5))
    target = _schedule()
    before = _state(booking)
    with pytest.raises(DomainError, match="already on that schedule"):
        _transfer(admin_user, booking, booking.schedule)
    with pytest.raises(DomainError, match="has already ended"):
        _transfer(admin_user, booking, ended)
    with pytest.raises(DomainError, match="Give a reason"):
        _transfer(admin_user, booking, target, reason="  ")
    assert _state(booking) == before


def test_refused_when_an_assigned_delegate_is_already_on_the_new_schedule(admin_user):
    booking, people = _free_placeholder(admin_user, 2, assign=1)
    target = _schedule()
    other = services.placeholder_buy(
        actor=admin_user, schedule=target, organisation=booking.organisation, places=1
    )
    services.placeholder_assign(actor=admin_user, booking=other, contact=people[1])
    before = _state(booking)
    with pytest.raises(DomainError, match=f"{people[1].full_name} is already booked"):
        _transfer(admin_user, booking, target)
    assert _state(booking) == before


def test_not_for_other_bookings(admin_user):
    booking, _ = _free_placeholder(admin_user, 1)
    Booking.objects.filter(pk=booking.pk).update(kind="group")
    with pytest.raises(DomainError, match="not a placeholder"):
        _transfer(admin_user, Booking.objects.get(pk=booking.pk), _schedule())


# --- the page ---------------------------------------------------------------------------------


def test_page_previews_then_confirms(admin_client, admin_user):
    booking, people = _free_placeholder(admin_user, 2, assign=1)
    target = _schedule()
    detail = admin_client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()
    url = reverse("bookings:placeholder_transfer", args=[booking.pk])
    assert "Transfer placeholder" in detail and url in detail
    page = admin_client.get(url).content.decode()
    assert target.code in page and "only while it has no invoice" in page
    before = ledger_counts()
    shown = preview(admin_client, url, {"schedule": target.pk, "reason": "Moved"})
    html = shown.content.decode()
    assert shown.status_code == 200 and ledger_counts() == before
    assert Booking.objects.get(pk=booking.pk).schedule_id == booking.schedule_id
    assert "Placeholder transferred" in html and people[0].email in html
    r = confirm(admin_client, url, shown)
    assert r.status_code == 302
    assert Booking.objects.get(pk=booking.pk).schedule_id == target.pk
    assert _taken(target) == 2


def test_page_with_an_invoice_says_why_and_refuses(admin_client, admin_user):
    booking, _ = _free_placeholder(admin_user, 2, price="100.00")
    detail = admin_client.get(reverse("bookings:detail", args=[booking.pk])).content.decode()
    assert "Transfer placeholder" not in detail
    url = reverse("bookings:placeholder_transfer", args=[booking.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and "has an invoice" in page.content.decode()
    r = preview(admin_client, url, {"schedule": _schedule().pk, "reason": "Moved"})
    assert r.status_code == 200 and "only while it has no invoice" in r.content.decode()
    assert Booking.objects.get(pk=booking.pk).schedule_id == booking.schedule_id


def test_page_is_only_for_placeholders(admin_client, admin_user):
    booking, _ = _free_placeholder(admin_user, 1)
    Booking.objects.filter(pk=booking.pk).update(kind="group")
    url = reverse("bookings:placeholder_transfer", args=[booking.pk])
    assert admin_client.get(url).status_code == 404


def test_a_stale_placeholder_is_not_moved_again(admin_user):
    """The caller's booking says where it is moving from: once moved, the same (stale) request
    is refused rather than moving the places on from their new schedule."""
    booking, _ = _free_placeholder(admin_user, 2)
    first, second = _schedule(), _schedule()
    _transfer(admin_user, booking, first)
    with pytest.raises(DomainError, match="moved to another schedule since this page"):
        _transfer(admin_user, booking, second)
    assert Booking.objects.get(pk=booking.pk).schedule_id == first.pk
    assert (_taken(first), _taken(second)) == (2, 0)
