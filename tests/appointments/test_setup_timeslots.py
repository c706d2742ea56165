"""Editing and deleting timeslots (SPEC 1 and 8): who may, and what happens to the future
occurrences and the people booked on them."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from appointments.models import Occurrence, Seat, Timeslot
from appointments.services import (
    appointment_book,
    appointment_cancel,
    timeslot_create,
    timeslot_delete,
    timeslot_update,
)
from appointments.states import BookingFrequency, Frequency, SeatState
from core.audit import AuditEvent
from core.errors import DomainError

from .factories import AppointmentTypeFactory, ContactFactory, staff_member, timeslot

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
UTC = datetime.UTC
NOW = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)  # Monday morning, GMT
D, T = datetime.date, datetime.time
R, NR = BookingFrequency.RECURRING, BookingFrequency.NON_RECURRING


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def occurrence(slot, day):
    return Occurrence.objects.get(timeslot=slot, date=day)


def dates_of(slot, **filters):
    return list(
        Occurrence.objects.filter(timeslot=slot, cancelled=False, **filters)
        .order_by("date")
        .values_list("date", flat=True)
    )


def book(actor, slot, *, start, end=None, frequency=R, student=None, weekdays=()):
    return appointment_book(
        actor=actor, student=student or ContactFactory(), timeslot=slot, frequency=frequency,
        start_date=start, end_date=end, weekdays=weekdays,
    )  # fmt: skip


# --- who may ----------------------------------------------------------------------------------


def test_a_provider_edits_and_deletes_their_own_timeslot(admin_user, provider):
    slot = timeslot(admin_user, staff=provider)
    change = timeslot_update(actor=provider, timeslot=slot, capacity=2, location="Room 2")
    assert change.changes == ["Capacity 1 -> 2", "Location none -> Room 2"]
    assert set(Occurrence.objects.filter(timeslot=slot).values_list("capacity", flat=True)) == {2}
    removal = timeslot_delete(actor=provider, timeslot=slot, reason="Moving studio")
    assert removal.archived is False  # never booked: deleted outright
    assert not Timeslot.objects.filter(pk=slot.pk).exists()


def test_a_provider_cannot_add_a_timeslot(provider):
    with pytest.raises(PermissionDenied):
        timeslot_create(
            actor=provider, staff=provider, appointment_type=AppointmentTypeFactory(),
            frequency=Frequency.WEEKLY, weekdays=[0], start_date=D(2027, 1, 4),
            start_time=T(16, 0),
        )  # fmt: skip
    assert not Timeslot.objects.exists()


def test_a_provider_cannot_touch_another_staff_members_timeslot(admin_user, provider):
    slot = timeslot(admin_user, staff=staff_member("Other"))
    with pytest.raises(PermissionDenied):
        timeslot_update(actor=provider, timeslot=slot, capacity=3)
    with pytest.raises(PermissionDenied):
        timeslot_delete(actor=provider, timeslot=slot)
    slot.refresh_from_db()
    assert slot.capacity == 1 and not slot.archived


def test_a_provider_cannot_give_their_timeslot_to_someone_else(admin_user, provider):
    slot = timeslot(admin_user, staff=provider)
    with pytest.raises(PermissionDenied):
        timeslot_update(actor=provider, timeslot=slot, staff=staff_member("Other"))
    other = staff_member("Other")
    timeslot_update(actor=admin_user, timeslot=slot, staff=other)  # an Admin may
    slot.refresh_from_db()
    assert slot.staff == other


def test_everyone_else_is_refused(admin_user, team_leader, finance_user, nobody):
    slot = timeslot(admin_user)
    for user in (team_leader, finance_user, nobody, None):
        with pytest.raises(PermissionDenied):
            timeslot_update(actor=user, timeslot=slot, capacity=2)
        with pytest.raises(PermissionDenied):
            timeslot_delete(actor=user, timeslot=slot)


# --- time ---------------------------------------------------------------------------------------


def test_a_new_time_moves_future_dates_in_local_time_across_the_clock_change(admin_user):
    """Mondays 16:00: 22 Mar 2027 is GMT, 29 Mar BST (the clocks go forward on 28 Mar)."""
    slot = timeslot(admin_user, weekdays=(0,))
    booking = book(admin_user, slot, start=D(2027, 1, 4), end=D(2027, 4, 26))
    seats_before = list(booking.seats.values_list("occurrence_id", "state"))
    with time_machine.travel(datetime.datetime(2027, 1, 12, 9, 0, tzinfo=LONDON), tick=False):
        change = timeslot_update(
            actor=admin_user, timeslot=slot, start_time=T(17, 0), end_time=T(17, 45)
        )
    assert change.changes == ["Time 16:00–16:30 -> 17:00–17:45"]
    # the past stays as it happened
    assert occurrence(slot, D(2027, 1, 11)).starts_at == datetime.datetime(
        2027, 1, 11, 16, 0, tzinfo=UTC
    )
    gmt, bst = occurrence(slot, D(2027, 3, 22)), occurrence(slot, D(2027, 3, 29))
    assert gmt.starts_at == datetime.datetime(2027, 3, 22, 17, 0, tzinfo=UTC)
    assert bst.starts_at == datetime.datetime(2027, 3, 29, 16, 0, tzinfo=UTC)
    assert bst.ends_at == datetime.datetime(2027, 3, 29, 16, 45, tzinfo=UTC)
    assert gmt.starts_at.astimezone(LONDON).time() == bst.starts_at.astimezone(LONDON).time()
    # the same seats, still booked, and the places still taken
    assert list(booking.seats.values_list("occurrence_id", "state")) == seats_before
    assert gmt.taken == bst.taken == 1
    history = AuditEvent.objects.for_object(booking).get(action="appointment.timeslot_moved")
    assert "from 16:00–16:30 to 17:00–17:45" in history.summary
    assert "15 booked dates moved" in history.summary  # 18 Jan .. 26 Apr
    slot.refresh_from_db()
    assert slot.start_time == T(17, 0)


def test_the_end_time_must_follow_the_start_time(admin_user):
    slot = timeslot(admin_user)
    with pytest.raises(DomainError, match="end time must be after"):
        timeslot_update(actor=admin_user, timeslot=slot, start_time=T(17, 0))


# --- capacity -----------------------------------------------------------------------------------


def test_capacity_cannot_go_below_the_seats_taken_on_a_future_date(admin_user):
    slot = timeslot(admin_user, capacity=4)
    for _ in range(3):
        book(admin_user, slot, start=D(2027, 2, 1), frequency=NR)
    with pytest.raises(DomainError, match="below 3: 3 seats are booked on Mon 01 Feb 2027"):
        timeslot_update(actor=admin_user, timeslot=slot, capacity=2)
    assert occurrence(slot, D(2027, 2, 1)).capacity == 4  # nothing written
    timeslot_update(actor=admin_user, timeslot=slot, capacity=3)
    assert set(dates_of(slot, capacity=3)) == set(dates_of(slot))


# --- end date -----------------------------------------------------------------------------------


def test_an_earlier_end_date_is_refused_while_seats_are_booked_after_it(admin_user):
    slot = timeslot(admin_user)
    book(admin_user, slot, start=D(2027, 3, 1), frequency=NR)
    with pytest.raises(DomainError, match="after the new End Date Mon 15 Feb 2027 .*Mon 01 Mar"):
        timeslot_update(actor=admin_user, timeslot=slot, end_date=D(2027, 2, 15))
    assert dates_of(slot)[-1] > D(2027, 12, 1)


def test_an_earlier_end_date_removes_the_unbooked_dates_after_it(admin_user):
    slot = timeslot(admin_user)
    booking = book(admin_user, slot, start=D(2027, 3, 8), frequency=NR)
    appointment_cancel(actor=admin_user, booking=booking, reason="Ill")
    change = timeslot_update(actor=admin_user, timeslot=slot, end_date=D(2027, 3, 1))
    assert dates_of(slot)[-1] == D(2027, 3, 1)
    assert change.removed > 40
    # the date with a cancelled seat stays, cancelled, for that booking's history
    kept = occurrence(slot, D(2027, 3, 8))
    assert kept.cancelled and kept.seats.get().state == SeatState.CANCELLED


def test_a_later_or_no_end_date_generates_up_to_the_window_and_books_the_series(admin_user):
    slot = timeslot(admin_user, end_date=D(2027, 2, 22))
    series = book(admin_user, slot, start=D(2027, 1, 4))  # open-ended, every Monday
    assert series.seats.count() == 8
    change = timeslot_update(actor=admin_user, timeslot=slot, end_date=None)
    assert dates_of(slot)[-1] == D(2028, 1, 31)  # 13 months from 4 Jan 2027
    assert change.added == 49
    assert series.seats.filter(state=SeatState.BOOKED).count() == 8 + 49
    assert occurrence(slot, D(2027, 6, 7)).taken == 1


# --- days of the week ---------------------------------------------------------------------------


def test_a_new_day_adds_dates_and_a_removed_unbooked_day_loses_them(admin_user):
    slot = timeslot(admin_user, weekdays=(0,), end_date=D(2027, 3, 31))
    timeslot_update(actor=admin_user, timeslot=slot, weekdays=[0, 2])
    wednesdays = [d for d in dates_of(slot) if d.weekday() == 2]
    assert wednesdays[0] == D(2027, 1, 6) and wednesdays[-1] == D(2027, 3, 31)
    timeslot_update(actor=admin_user, timeslot=slot, weekdays=[2])
    assert {d.weekday() for d in dates_of(slot)} == {2}


def test_removing_a_day_with_booked_seats_is_refused(admin_user):
    slot = timeslot(admin_user, weekdays=(0, 2))
    book(admin_user, slot, start=D(2027, 1, 20), frequency=NR)
    with pytest.raises(DomainError, match="booked on Wednesdays .*Wed 20 Jan 2027.*keep Wednesday"):
        timeslot_update(actor=admin_user, timeslot=slot, weekdays=[0])
    slot.refresh_from_db()
    assert slot.weekdays == "02"


# --- delete -------------------------------------------------------------------------------------


def test_delete_is_refused_while_future_seats_are_booked_then_archives(admin_user, provider):
    slot = timeslot(admin_user, staff=provider)
    booking = book(admin_user, slot, start=D(2027, 1, 4), end=D(2027, 1, 25))
    with pytest.raises(DomainError, match="4 seats on future dates are booked .*1 booking.*Cancel"):
        timeslot_delete(actor=provider, timeslot=slot)
    with time_machine.travel(datetime.datetime(2027, 1, 12, 9, 0, tzinfo=LONDON), tick=False):
        appointment_cancel(actor=admin_user, booking=booking, reason="Stopping lessons")
        removal = timeslot_delete(actor=provider, timeslot=slot, reason="No longer teaching")
    assert removal.archived is True
    slot.refresh_from_db()
    assert slot.archived
    # the past dates and their seats remain; future dates are gone or cancelled
    assert Seat.objects.filter(booking=booking, state=SeatState.BOOKED).count() == 2
    assert dates_of(slot) == [D(2027, 1, 4), D(2027, 1, 11)]
    assert AuditEvent.objects.for_object(slot).filter(action="timeslot.archive").exists()
    with pytest.raises(DomainError, match="archived"):
        timeslot_update(actor=admin_user, timeslot=slot, capacity=2)
