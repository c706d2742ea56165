"""The backdating rules (SPEC 1 and 6) with time frozen: the team leader's two months at the
edges of months and years and in the site's time zone, both daylight-saving weekends,
Attended is final, cancelling with and without penalty, multi-attendee sessions, providers'
own timeslots, the pack valid on the date, and the consultant told once."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from appointments.models import AppointmentBooking, Occurrence, Pack, Seat
from appointments.states import AttendanceStatus, BookingSource, BookingStatus, SeatState
from core.audit import AuditEvent
from core.errors import DomainError
from notifications.models import OutboxMessage
from sessions_backdate import selectors
from sessions_backdate.models import BackdateNotice, OrderSession, SessionState
from sessions_backdate.services import session_book, session_mark

from .factories import (
    AppointmentTypeFactory,
    ContactFactory,
    consultant_slot,
    occurrence_on,
    order,
    staff_member,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
D = datetime.date
A = AttendanceStatus


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


@pytest.fixture
def world(admin_user):
    """Built on 3 Aug 2026: a consultant's daily 10:00 timeslot and a 5-session order."""
    with time_machine.travel(at(2026, 8, 3, 8, 0), tick=False):
        consultant = staff_member("Maya")
        slot = consultant_slot(admin_user, staff=consultant)
    pack = order(service=slot.appointment_type)
    return {"slot": slot, "pack": pack, "consultant": consultant}


def book(actor, world, day, number=1, pack=None):
    return session_book(
        actor=actor,
        pack=pack or world["pack"],
        number=number,
        occurrence=occurrence_on(world["slot"], day),
    )


# --- the team leader's current and previous month ---------------------------------------------

TL_CASES = [
    # now (London), allowed day, refused day
    (at(2026, 12, 31, 23, 30), D(2026, 11, 2), D(2026, 10, 30)),  # last day of December
    (at(2026, 12, 1, 0, 15), D(2026, 11, 1), D(2026, 10, 31)),  # first day of December
    (at(2027, 1, 1, 0, 30), D(2026, 12, 1), D(2026, 11, 30)),  # January into December
    (at(2027, 1, 31, 23, 59), D(2026, 12, 31), D(2026, 11, 30)),  # last day of January
    # 00:30 on 1 October in London is still 30 September in UTC: the site's month counts.
    (at(2026, 10, 1, 0, 30), D(2026, 9, 1), D(2026, 8, 31)),
]


@pytest.mark.parametrize(("now", "allowed", "refused"), TL_CASES)
def test_team_leader_backdates_into_this_and_last_month_only(
    world, team_leader, now, allowed, refused
):
    with time_machine.travel(now, tick=False):
        session = book(team_leader, world, allowed)
        assert session.occurrence.date == allowed and session.backdated
        with pytest.raises(DomainError, match="Team leaders can backdate into"):
            book(team_leader, world, refused, number=2)
    assert OrderSession.objects.count() == 1
    assert Pack.objects.get().used == 1


def test_team_leader_weeks_and_timeslots_stay_in_the_two_months(world, team_leader):
    with time_machine.travel(at(2027, 1, 5, 9, 0), tick=False):
        weeks = selectors.weeks(team_leader)
        assert weeks[-1][0] == D(2026, 11, 30)  # the week touching 1 December
        assert weeks[0][0] == D(2027, 1, 25)  # the week holding 31 January
        slots = selectors.available_occurrences(
            team_leader, pack=world["pack"], consultant_id=world["consultant"].pk,
            week=D(2026, 11, 30),
        )  # fmt: skip
        assert [o.date for o in slots] == [D(2026, 12, d) for d in range(1, 7)]


def test_admin_backdates_anything(world, admin_user):
    with time_machine.travel(at(2027, 1, 5, 9, 0), tick=False):
        assert book(admin_user, world, D(2026, 8, 10)).backdated


# --- daylight saving ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "week", "days"),
    [
        (at(2026, 10, 26, 9, 0), D(2026, 10, 19), (D(2026, 10, 24), D(2026, 10, 25))),  # autumn
        (at(2027, 3, 29, 9, 0), D(2027, 3, 22), (D(2027, 3, 27), D(2027, 3, 28))),  # spring
    ],
)
def test_timeslots_keep_their_wall_clock_time_across_the_clock_change(
    world, team_leader, now, week, days
):
    with time_machine.travel(now, tick=False):
        slots = selectors.available_occurrences(
            team_leader, pack=world["pack"], consultant_id=world["consultant"].pk, week=week
        )
        by_day = {o.date: o for o in slots}
        before, after = by_day[days[0]], by_day[days[1]]
        assert before.local_start.hour == after.local_start.hour == 10
        assert before.starts_at.hour != after.starts_at.hour  # one hour apart in UTC
        for n, day in enumerate(days, start=1):
            session = book(team_leader, world, day, number=n)
            assert session.occurrence.local_start.time() == datetime.time(10, 0)
            session_mark(actor=team_leader, session=session, attendance=A.ATTENDED)
    assert set(OrderSession.objects.values_list("attendance", flat=True)) == {A.ATTENDED}


# --- attendance ----------------------------------------------------------------------------------


@pytest.fixture
def december():
    with time_machine.travel(at(2026, 12, 10, 12, 0), tick=False):
        yield


def test_booking_uses_the_appointments_service_and_writes_history(world, team_leader, december):
    session = book(team_leader, world, D(2026, 12, 7), number=3)
    booking = session.bookings.get()
    assert booking.source == BookingSource.BACKDATED and booking.pack == world["pack"]
    assert booking.seats.get().occurrence == session.occurrence
    assert Occurrence.objects.get(pk=session.occurrence.pk).taken == 1
    assert Pack.objects.get().used == 1
    history = AuditEvent.objects.for_object(world["pack"]).get()
    assert history.actor == team_leader and history.action == "backdate.book"
    assert "Session 3 booked" in history.summary and "(backdated)" in history.summary


def test_attended_is_final(world, team_leader, admin_user, december):
    session = book(team_leader, world, D(2026, 12, 7))
    session_mark(actor=team_leader, session=session, attendance=A.ABSENT, reason="no show")
    session_mark(actor=team_leader, session=session, attendance=A.ATTENDED)
    assert Seat.objects.get().attendance == A.ATTENDED
    for to in (A.PENDING, A.ABSENT, A.CANCELLED, A.ATTENDED):
        with pytest.raises(DomainError, match="no more changes"):
            session_mark(actor=admin_user, session=session, attendance=to, penalty=False)
    session.refresh_from_db()
    assert session.attendance == A.ATTENDED
    summaries = [e.summary for e in AuditEvent.objects.for_object(world["pack"]).order_by("pk")]
    assert summaries[1].endswith("attendance Pending -> Absent")
    assert summaries[2].endswith("attendance Absent -> Attended")
    reasons = list(AuditEvent.objects.for_object(world["pack"]).values_list("reason", flat=True))
    assert "no show" in reasons


def test_a_future_session_is_not_marked_attended(world, team_leader, december):
    session = book(team_leader, world, D(2026, 12, 20))
    assert not session.backdated
    with pytest.raises(DomainError, match="has not taken place yet"):
        session_mark(actor=team_leader, session=session, attendance=A.ATTENDED)


def test_cancel_with_penalty_uses_the_session_up(world, team_leader, december):
    session = book(team_leader, world, D(2026, 12, 7))
    session_mark(
        actor=team_leader, session=session, attendance=A.CANCELLED, penalty=True, reason="late"
    )
    session.refresh_from_db()
    assert session.state == SessionState.PENALTY and session.attendance == A.CANCELLED
    assert Pack.objects.get().used == 1  # used up
    seat = Seat.objects.get()
    assert seat.state == SeatState.CANCELLED and seat.attendance == A.CANCELLED
    assert Occurrence.objects.get(pk=seat.occurrence_id).taken == 0
    assert AppointmentBooking.objects.get().status == BookingStatus.CANCELLED
    with pytest.raises(DomainError, match="cancelled with penalty"):
        session_mark(actor=team_leader, session=session, attendance=A.ATTENDED)
    rows = selectors.order_sessions(world["pack"])
    assert rows[0].session.status_label == "Cancelled (with penalty)"


def test_cancel_without_penalty_returns_the_session_to_unallocated(world, team_leader, december):
    session = book(team_leader, world, D(2026, 12, 7), number=2)
    assert (
        session_mark(actor=team_leader, session=session, attendance=A.CANCELLED, penalty=False)
        is None
    )
    assert not OrderSession.objects.exists()
    assert Pack.objects.get().used == 0
    assert Occurrence.objects.get(date=D(2026, 12, 7)).taken == 0
    assert all(r.is_unallocated for r in selectors.order_sessions(world["pack"]))
    last = AuditEvent.objects.for_object(world["pack"]).order_by("pk").last()
    assert "without penalty" in last.summary
    # the number can be booked again
    assert book(team_leader, world, D(2026, 12, 8), number=2).number == 2


def test_cancel_needs_a_penalty_choice_and_a_team_leader(world, team_leader, december):
    session = book(world["consultant"], world, D(2026, 12, 7))
    with pytest.raises(DomainError, match="with or without penalty"):
        session_mark(actor=team_leader, session=session, attendance=A.CANCELLED)
    with pytest.raises(DomainError, match="Only Team leaders and Admins"):
        session_mark(
            actor=world["consultant"], session=session, attendance=A.CANCELLED, penalty=False
        )


# --- multi-attendee ---------------------------------------------------------------------------


def test_a_multi_attendee_session_is_booked_and_marked_for_all_at_once(admin_user, team_leader):
    with time_machine.travel(at(2026, 8, 3, 8, 0), tick=False):
        service = AppointmentTypeFactory(
            name="2 on 1 Personal Training Session", attendees=2, capacity=2
        )
        consultant = staff_member("Maya")
        slot = consultant_slot(admin_user, staff=consultant, service=service)
    ann, ben = ContactFactory(first_name="Ann"), ContactFactory(first_name="Ben")
    pack = order(service=service, client=ann, attendees=[ben], size=4)
    with time_machine.travel(at(2026, 12, 10, 12, 0), tick=False):
        session = session_book(
            actor=team_leader, pack=pack, number=1, occurrence=occurrence_on(slot, D(2026, 12, 7))
        )
        assert {b.student for b in session.bookings.all()} == {ann, ben}
        assert Pack.objects.get().used == 1  # one session of the order for both
        assert Occurrence.objects.get(date=D(2026, 12, 7), timeslot=slot).taken == 2
        session_mark(actor=team_leader, session=session, attendance=A.ATTENDED)
    assert list(Seat.objects.values_list("attendance", flat=True)) == [A.ATTENDED] * 2
    # a timeslot without room for both is not offered, and refused
    with time_machine.travel(at(2026, 12, 10, 12, 0), tick=False):
        solo = consultant_slot(admin_user, staff=consultant, service=service, capacity=1)
        week = selectors.available_occurrences(
            team_leader, pack=pack, consultant_id=consultant.pk, week=D(2026, 12, 7)
        )
        assert solo.pk not in {o.timeslot_id for o in week}
        with pytest.raises(DomainError, match="No openings left"):
            session_book(
                actor=team_leader, pack=pack, number=2,
                occurrence=occurrence_on(solo, D(2026, 12, 8)),
            )  # fmt: skip
    assert Pack.objects.get().used == 1


# --- who may ----------------------------------------------------------------------------------


def test_providers_backdate_their_own_timeslots_only(world, admin_user, december):
    with time_machine.travel(at(2026, 8, 3, 8, 0), tick=False):
        other = consultant_slot(
            admin_user, staff=staff_member("Tom"), service=world["slot"].appointment_type
        )
    own = book(world["consultant"], world, D(2026, 8, 10))  # any date: their own timeslot
    session_mark(actor=world["consultant"], session=own, attendance=A.ATTENDED)
    with pytest.raises(PermissionDenied):
        session_book(
            actor=world["consultant"], pack=world["pack"], number=2,
            occurrence=occurrence_on(other, D(2026, 12, 7)),
        )  # fmt: skip
    theirs = session_book(
        actor=admin_user, pack=world["pack"], number=3,
        occurrence=occurrence_on(other, D(2026, 12, 7)),
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        session_mark(actor=world["consultant"], session=theirs, attendance=A.ABSENT)
    assert selectors.consultants(world["consultant"]) == [world["consultant"]]


def test_everyone_else_is_refused(world, finance_user, nobody, december):
    for actor in (finance_user, nobody, None):
        with pytest.raises(PermissionDenied):
            book(actor, world, D(2026, 12, 7))
    assert not OrderSession.objects.exists() and Pack.objects.get().used == 0


# --- the order valid on the date --------------------------------------------------------------


def test_a_backdated_session_uses_the_order_valid_on_its_date(world, team_leader, december):
    client = ContactFactory()
    service = world["slot"].appointment_type
    old = order(
        service=service, client=client, valid_from=D(2026, 1, 1), valid_until=D(2026, 11, 30)
    )
    new = order(service=service, client=client, valid_from=D(2026, 12, 1))
    refusal = f"{old.reference} was not valid on .* {new.reference} was"
    with pytest.raises(DomainError, match=refusal):
        book(team_leader, world, D(2026, 12, 7), pack=old)
    assert book(team_leader, world, D(2026, 12, 7), pack=new).pack == new
    assert book(team_leader, world, D(2026, 11, 30), pack=old).pack == old


def test_a_session_is_booked_once(world, team_leader, december):
    book(team_leader, world, D(2026, 12, 7))
    with pytest.raises(DomainError, match="already booked"):
        book(team_leader, world, D(2026, 12, 8))
    assert Pack.objects.get().used == 1


# --- the consultant is told once ------------------------------------------------------------


def test_the_consultant_is_notified_once_and_the_client_never(world, team_leader, december):
    session = book(team_leader, world, D(2026, 12, 7))
    session_mark(actor=team_leader, session=session, attendance=A.ABSENT)
    session_mark(actor=team_leader, session=session, attendance=A.ATTENDED)
    notice = BackdateNotice.objects.get()
    assert notice.provider == world["consultant"] and notice.session == session
    (email,) = OutboxMessage.objects.all()
    assert email.template_key == "session_backdated"
    assert email.to == [world["consultant"].email]
    assert world["pack"].reference in email.body and "Mon 07 Dec 2026" in email.subject
    assert selectors.notices_for(world["consultant"]) == [notice]


def test_a_future_session_notifies_nobody(world, team_leader, december):
    book(team_leader, world, D(2026, 12, 21))
    assert not BackdateNotice.objects.exists() and not OutboxMessage.objects.exists()
