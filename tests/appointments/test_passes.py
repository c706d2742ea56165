"""Punch passes (seed 002, way 3): adding and selling a pass, redeeming a punch for a timeslot
(a one-time booking at that date and time), the refusals, cancelling gives the punch back,
and changing a pass."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from appointments.models import AppointmentBooking, Occurrence, Pack
from appointments.selectors.passes import redeemable_occurrences
from appointments.services import (
    appointment_cancel,
    punch_pass_add,
    punch_pass_adjust,
    punch_pass_redeem,
)
from appointments.states import BookingFrequency, BookingSource, BookingStatus, PackKind
from core.audit import AuditEvent
from core.errors import DomainError
from invoicing.models import Invoice

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
def family_pass():
    family = FamilyFactory()
    return family, ContactFactory(family=family, first_name="Ann"), PackFactory(family=family)


def occurrence(slot, day):
    return Occurrence.objects.select_related("timeslot", "timeslot__appointment_type").get(
        timeslot=slot, date=day
    )


# --- adding a pass ----------------------------------------------------------------------------


def test_add_a_free_pass_for_a_family(admin_user):
    family = FamilyFactory()
    pack = punch_pass_add(
        actor=admin_user, family=family, size=10, valid_from=D(2027, 1, 4), notes="Gift"
    )
    pack.refresh_from_db()
    assert pack.reference == f"PP{pack.pk:06d}"
    assert (pack.kind, pack.size, pack.used, pack.family, pack.created_by) == (
        PackKind.PUNCH_PASS, 10, 0, family, admin_user,
    )  # fmt: skip
    assert not Invoice.objects.exists()
    event = AuditEvent.objects.for_object(pack).get()
    assert event.action == "pack.add" and "10 punches" in event.summary


def test_a_sold_pass_issues_its_invoice_in_the_same_transaction(admin_user):
    student = ContactFactory(first_name="Ben", last_name="Ray")
    kind = AppointmentTypeFactory(
        name="Drums", pricing_schedule=PricingScheduleFactory(vat_rate=Decimal("0.2000"))
    )
    pack = punch_pass_add(
        actor=admin_user, contact=student, size=10, appointment_type=kind,
        valid_from=D(2027, 1, 4), valid_until=D(2027, 6, 30), price=Decimal("200.00"),
    )  # fmt: skip
    invoice = Invoice.objects.get()
    line = invoice.lines.get()
    assert line.description == f"Punch pass {pack.reference} (10 punches) for Drums"
    assert (line.kind, line.net, line.vat, line.gross) == (
        "other", Decimal("200.00"), Decimal("40.00"), Decimal("240.00"),
    )  # fmt: skip
    assert invoice.account.contact == student and invoice.gross_total == Decimal("240.00")
    assert invoice.display_no in AuditEvent.objects.for_object(pack).get().summary


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"size": 0}, "from 1 to 1,000 punches"),
        ({"size": 1001}, "from 1 to 1,000 punches"),
        ({"valid_until": D(2026, 12, 31)}, "cannot end before it starts"),
        ({"price": Decimal("0")}, "greater than zero"),
        ({"price": Decimal("1.001")}, "at most 2 decimal places"),
        ({"price": 10.5}, "not a float"),
        ({"family": None}, "one family or one student"),
        ({"contact": "both"}, "one family or one student"),
    ],
)
def test_add_refuses_bad_input_and_writes_nothing(admin_user, kwargs, message):
    args = {"family": FamilyFactory(), "size": 5, "valid_from": D(2027, 1, 4), **kwargs}
    if args.get("contact") == "both":
        args["contact"] = ContactFactory()
    with pytest.raises(DomainError, match=message):
        punch_pass_add(actor=admin_user, **args)
    assert not Pack.objects.exists() and not Invoice.objects.exists()


def test_only_appointment_managers_add_passes(provider, finance_user, team_leader):
    for user in (provider, finance_user):
        with pytest.raises(PermissionDenied):
            punch_pass_add(actor=user, family=FamilyFactory(), size=5, valid_from=D(2027, 1, 4))
    punch_pass_add(actor=team_leader, family=FamilyFactory(), size=5, valid_from=D(2027, 1, 4))


# --- redeeming ----------------------------------------------------------------------------------


def test_redeem_books_one_time_at_that_date_and_time_using_one_punch(admin_user, family_pass):
    family, ann, pack = family_pass
    slot = timeslot(admin_user, weekdays=(0, 2))  # Mon and Wed 16:00
    wednesday = occurrence(slot, D(2027, 1, 13))
    booking = punch_pass_redeem(actor=admin_user, pack=pack, occurrence=wednesday, student=ann)
    pack.refresh_from_db()
    assert pack.used == 1 and pack.remaining == 4
    assert booking.frequency == BookingFrequency.NON_RECURRING
    assert booking.start_date == booking.end_date == D(2027, 1, 13)
    assert (booking.source, booking.pack, booking.student, booking.family) == (
        BookingSource.PUNCH_PASS, pack, ann, family,
    )  # fmt: skip
    assert [s.occurrence_id for s in booking.seats.all()] == [wednesday.pk]
    assert Occurrence.objects.get(pk=wednesday.pk).taken == 1
    assert "Redeemed a punch of" in AuditEvent.objects.for_object(booking).get().summary
    assert "4 of 5 left" in AuditEvent.objects.for_object(pack).get(action="pack.redeem").summary


def test_a_student_pass_is_for_that_student_only(admin_user):
    ann, ben = ContactFactory(), ContactFactory()
    pack = PackFactory(family=None, contact=ann)
    slot = timeslot(admin_user)
    with pytest.raises(DomainError, match="cannot be used for"):
        punch_pass_redeem(
            actor=admin_user, pack=pack, occurrence=occurrence(slot, D(2027, 1, 4)), student=ben
        )
    punch_pass_redeem(
        actor=admin_user, pack=pack, occurrence=occurrence(slot, D(2027, 1, 4)), student=ann
    )


def _refused(admin_user, pack, occ, student, message):
    used = Pack.objects.get(pk=pack.pk).used
    with pytest.raises(DomainError, match=message):
        punch_pass_redeem(actor=admin_user, pack=pack, occurrence=occ, student=student)
    assert not AppointmentBooking.objects.exists()
    assert Pack.objects.get(pk=pack.pk).used == used


def test_redeem_refusals(admin_user, family_pass):
    family, ann, pack = family_pass
    slot = timeslot(admin_user, capacity=1)
    monday = occurrence(slot, D(2027, 1, 11))
    _refused(admin_user, pack, monday, ContactFactory(), "is not a student of")
    expired = PackFactory(family=family, valid_until=D(2027, 1, 3))
    _refused(admin_user, expired, monday, ann, "expired on Sun 03 Jan 2027")
    short = PackFactory(family=family, valid_until=D(2027, 1, 10))
    _refused(admin_user, short, monday, ann, "not valid on Mon 11 Jan 2027")
    drums = PackFactory(family=family, appointment_type=AppointmentTypeFactory(name="Drums"))
    _refused(admin_user, drums, monday, ann, "is for Drums only")
    used_up = PackFactory(family=family, size=2, used=2)
    _refused(admin_user, used_up, monday, ann, "No punches left")
    order = PackFactory(family=family, kind=PackKind.ORDER)
    _refused(admin_user, order, monday, ann, "is not a punch pass")
    with time_machine.travel(datetime.datetime(2027, 1, 11, 16, 5, tzinfo=LONDON), tick=False):
        _refused(admin_user, pack, monday, ann, "already started")
    Occurrence.objects.filter(pk=monday.pk).update(taken=1)
    _refused(admin_user, pack, occurrence(slot, D(2027, 1, 11)), ann, "No openings left")


def test_a_stale_pass_object_cannot_take_a_punch_it_no_longer_has(admin_user, family_pass):
    """The page's pass was read when it still had punches: the service asks the database."""
    family, ann, pack = family_pass
    Pack.objects.filter(pk=pack.pk).update(used=5)
    slot = timeslot(admin_user)
    _refused(admin_user, pack, occurrence(slot, D(2027, 1, 4)), ann, "No punches left")


def test_never_below_zero_the_last_punch_then_refused(admin_user, family_pass):
    family, ann, pack = family_pass
    Pack.objects.filter(pk=pack.pk).update(size=1)
    slot = timeslot(admin_user, weekdays=(0, 2))
    punch_pass_redeem(
        actor=admin_user, pack=pack, occurrence=occurrence(slot, D(2027, 1, 4)), student=ann
    )
    _refused_after = Pack.objects.get(pk=pack.pk)
    with pytest.raises(DomainError, match="No punches left"):
        punch_pass_redeem(
            actor=admin_user, pack=pack, occurrence=occurrence(slot, D(2027, 1, 6)), student=ann
        )
    assert Pack.objects.get(pk=pack.pk).used == _refused_after.used == 1
    assert AppointmentBooking.objects.count() == 1


def test_cancelling_the_booking_gives_the_punch_back(admin_user, family_pass):
    family, ann, pack = family_pass
    slot = timeslot(admin_user)
    occ = occurrence(slot, D(2027, 1, 11))
    booking = punch_pass_redeem(actor=admin_user, pack=pack, occurrence=occ, student=ann)
    assert Pack.objects.get(pk=pack.pk).used == 1
    appointment_cancel(actor=admin_user, booking=booking, reason="Ill")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert Pack.objects.get(pk=pack.pk).used == 0
    assert Occurrence.objects.get(pk=occ.pk).taken == 0
    cancel = AuditEvent.objects.for_object(booking).get(action="appointment.cancel")
    assert f"punch given back to {pack.reference}" in cancel.summary


def test_only_appointment_managers_redeem(provider, finance_user, admin_user, family_pass):
    family, ann, pack = family_pass
    occ = occurrence(timeslot(admin_user), D(2027, 1, 4))
    for user in (provider, finance_user):
        with pytest.raises(PermissionDenied):
            punch_pass_redeem(actor=user, pack=pack, occurrence=occ, student=ann)
    assert Pack.objects.get(pk=pack.pk).used == 0


def test_redeemable_occurrences_two_weeks_of_openings_of_allowed_types(admin_user, family_pass):
    family, ann, pack = family_pass
    piano = AppointmentTypeFactory(name="Piano")
    slot = timeslot(admin_user, appointment_type=piano, weekdays=(0, 2), capacity=1)
    other = timeslot(admin_user, weekdays=(1,))
    Occurrence.objects.filter(timeslot=slot, date=D(2027, 1, 6)).update(taken=1)  # full
    Occurrence.objects.filter(timeslot=slot, date=D(2027, 1, 11)).update(cancelled=True)
    any_type = [(o.timeslot_id, o.date) for o in redeemable_occurrences(pack, start=D(2027, 1, 4))]
    assert any_type == [
        (slot.pk, D(2027, 1, 4)), (other.pk, D(2027, 1, 5)), (other.pk, D(2027, 1, 12)),
        (slot.pk, D(2027, 1, 13)),
    ]  # fmt: skip
    only_piano = PackFactory(family=family, appointment_type=piano, valid_until=D(2027, 1, 12))
    assert [o.date for o in redeemable_occurrences(only_piano, start=D(2027, 1, 1))] == [
        D(2027, 1, 4)
    ]
    with time_machine.travel(datetime.datetime(2027, 1, 4, 17, 0, tzinfo=LONDON), tick=False):
        assert D(2027, 1, 4) not in [o.date for o in redeemable_occurrences(pack, start=NOW.date())]


# --- changing a pass --------------------------------------------------------------------------


def test_adjust_never_below_the_punches_used(admin_user, family_pass):
    family, ann, pack = family_pass
    Pack.objects.filter(pk=pack.pk).update(used=3)
    with pytest.raises(DomainError, match="cannot be less than 3"):
        punch_pass_adjust(actor=admin_user, pack=pack, size=2, valid_until=None, reason="typo")
    changed = punch_pass_adjust(
        actor=admin_user, pack=pack, size=3, valid_until=D(2027, 3, 1), reason="Agreed"
    )
    assert (changed.size, changed.valid_until) == (3, D(2027, 3, 1))
    event = AuditEvent.objects.for_object(pack).get(action="pack.adjust")
    assert "punches 5 -> 3" in event.summary and event.reason == "Agreed"
    with pytest.raises(DomainError, match="Say why"):
        punch_pass_adjust(actor=admin_user, pack=pack, size=4, valid_until=None, reason=" ")
