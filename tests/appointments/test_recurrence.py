"""Occurrences in local wall-clock time across both clock changes, the 13-month window with
time frozen, One Time timeslots, and the window moving on (the beat task)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from appointments.models import Occurrence
from appointments.recurrence import weekly_dates, window_end
from appointments.services import occurrences_extend
from appointments.states import Frequency

from .factories import timeslot

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def local(occ):
    return occ.starts_at.astimezone(LONDON)


def test_weekly_dates_are_the_chosen_weekdays():
    days = weekly_dates(
        weekdays=[0, 2], start=datetime.date(2027, 3, 1), end=datetime.date(2027, 3, 14)
    )
    assert days == [
        datetime.date(2027, 3, 1),
        datetime.date(2027, 3, 3),
        datetime.date(2027, 3, 8),
        datetime.date(2027, 3, 10),
    ]


@time_machine.travel(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=LONDON), tick=False)
def test_sixteen_hundred_stays_sixteen_hundred_across_spring_forward(admin_user):
    # Clocks go forward on Sun 28 Mar 2027: the lesson is 16:00 GMT before, 16:00 BST after.
    slot = timeslot(admin_user, weekdays=(5,), start_date=datetime.date(2027, 3, 20))
    before, after = Occurrence.objects.filter(timeslot=slot).order_by("date")[:2]
    assert (before.date, after.date) == (datetime.date(2027, 3, 20), datetime.date(2027, 3, 27))
    # 27 Mar is still GMT; the next Saturday is BST
    third = Occurrence.objects.filter(timeslot=slot).order_by("date")[2]
    assert [local(o).time() for o in (before, after, third)] == [datetime.time(16, 0)] * 3
    assert before.starts_at.astimezone(datetime.UTC).hour == 16
    assert third.starts_at.astimezone(datetime.UTC).hour == 15  # BST = UTC+1


@time_machine.travel(datetime.datetime(2027, 10, 1, 9, 0, tzinfo=LONDON), tick=False)
def test_sixteen_hundred_stays_sixteen_hundred_across_fall_back(admin_user):
    # Clocks go back on Sun 31 Oct 2027.
    slot = timeslot(admin_user, weekdays=(6,), start_date=datetime.date(2027, 10, 24))
    a, b = Occurrence.objects.filter(timeslot=slot).order_by("date")[:2]
    assert (a.date, b.date) == (datetime.date(2027, 10, 24), datetime.date(2027, 10, 31))
    assert local(a).time() == local(b).time() == datetime.time(16, 0)
    assert a.starts_at.astimezone(datetime.UTC).hour == 15
    assert b.starts_at.astimezone(datetime.UTC).hour == 16
    assert (a.ends_at - a.starts_at) == (b.ends_at - b.starts_at) == datetime.timedelta(minutes=30)


@time_machine.travel(datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON), tick=False)
def test_open_ended_series_is_generated_thirteen_months_ahead(admin_user):
    slot = timeslot(admin_user, weekdays=(0,), start_date=datetime.date(2027, 1, 4))
    last = Occurrence.objects.filter(timeslot=slot).order_by("-date").first()
    assert window_end(datetime.date(2027, 1, 4)) == datetime.date(2028, 2, 4)
    assert last.date == datetime.date(2028, 1, 31)  # the last Monday on or before 4 Feb 2028
    assert slot.generated_until == datetime.date(2028, 2, 4)


def test_the_window_moves_on_with_the_beat_task(admin_user):
    with time_machine.travel(datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON), tick=False):
        slot = timeslot(admin_user, weekdays=(0,), start_date=datetime.date(2027, 1, 4))
        count = Occurrence.objects.filter(timeslot=slot).count()
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, 0, tzinfo=LONDON), tick=False):
        result = occurrences_extend()
        again = occurrences_extend()
    slot.refresh_from_db()
    assert result["occurrences"] == 8  # the Mondays 7 Feb .. 27 Mar 2028
    assert again == {"occurrences": 0, "seats": 0}
    assert Occurrence.objects.filter(timeslot=slot).count() == count + 8
    assert slot.generated_until == datetime.date(2028, 4, 1)


@time_machine.travel(datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON), tick=False)
def test_a_one_time_timeslot_has_one_date(admin_user):
    slot = timeslot(
        admin_user, frequency=Frequency.ONE_TIME, weekdays=(), start_date=datetime.date(2027, 2, 3)
    )
    assert list(Occurrence.objects.filter(timeslot=slot).values_list("date", flat=True)) == [
        datetime.date(2027, 2, 3)
    ]


@time_machine.travel(datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON), tick=False)
def test_an_end_date_stops_the_series(admin_user):
    slot = timeslot(
        admin_user,
        weekdays=(0, 3),
        start_date=datetime.date(2027, 1, 4),
        end_date=datetime.date(2027, 1, 14),
    )
    assert list(Occurrence.objects.filter(timeslot=slot).values_list("date", flat=True)) == [
        datetime.date(2027, 1, 4),
        datetime.date(2027, 1, 7),
        datetime.date(2027, 1, 11),
        datetime.date(2027, 1, 14),
    ]
