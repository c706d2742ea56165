"""Dates and times of timeslots: weekly rules in local wall-clock time (python-dateutil), each
date converted to UTC on its own with zoneinfo, so a 16:00 lesson is 16:00 local on both sides
of a daylight-saving change (never a fixed UTC offset).

A wall-clock time that does not exist on a date (01:30 on the spring-forward Sunday in London)
is read with the offset before the change (fold=0), i.e. it lands one hour later in real time;
one that happens twice (the autumn Sunday) is the first of the two. Lessons are not booked at
those hours in practice; the rule is here so the result is defined.
"""

import datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import WEEKLY, rrule

# Occurrences are shown and generated this far ahead (seed 002: "up to 13 months").
WINDOW_MONTHS = 13


def window_end(today: datetime.date) -> datetime.date:
    """The last date occurrences are generated and offered for, seen from `today`."""
    return today + relativedelta(months=WINDOW_MONTHS)


def weekly_dates(
    *,
    weekdays: list[int],
    start: datetime.date,
    end: datetime.date,
) -> list[datetime.date]:
    """The dates in [start, end] that fall on `weekdays` (Monday = 0)."""
    if start > end or not weekdays:
        return []
    rule = rrule(
        WEEKLY,
        dtstart=datetime.datetime.combine(start, datetime.time()),
        until=datetime.datetime.combine(end, datetime.time()),
        byweekday=sorted(set(weekdays)),
    )
    return [moment.date() for moment in rule]


def timeslot_dates(timeslot, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The timeslot's dates in [start, end], within its own start and end dates. A One Time
    timeslot has one date whatever the range."""
    if timeslot.is_one_time:
        return [timeslot.start_date] if start <= timeslot.start_date <= end else []
    lo = max(start, timeslot.start_date)
    hi = min(end, timeslot.end_date) if timeslot.end_date else end
    return weekly_dates(weekdays=timeslot.weekday_numbers, start=lo, end=hi)


def local_span(
    day: datetime.date, start: datetime.time, end: datetime.time, time_zone: str
) -> tuple[datetime.datetime, datetime.datetime]:
    """The UTC start and end of `start`-`end` wall-clock time on `day` in `time_zone`."""
    zone = ZoneInfo(time_zone)
    utc = datetime.UTC
    return (
        datetime.datetime.combine(day, start, tzinfo=zone).astimezone(utc),
        datetime.datetime.combine(day, end, tzinfo=zone).astimezone(utc),
    )


def local_today(time_zone: str | None = None) -> datetime.date:
    from django.conf import settings
    from django.utils import timezone

    return timezone.now().astimezone(ZoneInfo(time_zone or settings.TIME_ZONE)).date()
