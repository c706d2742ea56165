"""The calendar's seam with the `calendars` app (integrated calendars, their busy blocks, the
calendars each user ticked, clashes). Every function degrades to "no calendars" when that app
is not installed, so the calendar pages work without it."""

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.utils import timezone

from .selectors import Scope

BUSY_SHOWN = 200
WARNED_TIMES = 60


def available() -> bool:
    return apps.is_installed("calendars")


@dataclass(frozen=True)
class Choice:
    id: int
    name: str
    kind_label: str
    ticked: bool


@dataclass(frozen=True)
class BusyItem:
    starts: datetime.datetime
    ends: datetime.datetime
    summary: str
    calendar: str

    @property
    def day(self) -> datetime.date:
        return self.starts.date()


@dataclass
class CalendarState:
    """What the filter shows for one user, read once per page (two queries)."""

    choices: list[Choice] = field(default_factory=list)
    scope: Scope | None = None  # None: nothing chosen yet, every booking the user may see
    ticked: list = field(default_factory=list)


def state_for(user) -> CalendarState:
    if not available():
        return CalendarState()
    from calendars.models import CalendarKind
    from calendars.selectors import calendars_for, ticked_ids

    visible = list(calendars_for(user))
    ids = ticked_ids(user)
    ticked = visible if ids is None else [c for c in visible if c.pk in set(ids)]
    choices = [Choice(c.pk, c.name, c.kind_label, c in ticked) for c in visible]
    scope = None
    if ids is not None:
        scope = Scope(
            people=frozenset(
                c.owner_id for c in ticked if c.kind == CalendarKind.STAFF and c.owner_id
            ),
            venues=frozenset(
                c.venue_id for c in ticked if c.kind == CalendarKind.VENUE and c.venue_id
            ),
        )
    return CalendarState(choices=choices, scope=scope, ticked=ticked)


def busy_blocks_for(state: CalendarState, start: datetime.date, end: datetime.date) -> list:
    """The busy blocks of the ticked calendars from `start` to `end` (local days)."""
    if not available() or not state.ticked:
        return []
    from calendars.selectors import busy_blocks

    zone = timezone.get_current_timezone()
    since = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min), zone)
    until = timezone.make_aware(
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min), zone
    )
    return [
        BusyItem(
            timezone.localtime(b.starts_at),
            timezone.localtime(b.ends_at),
            b.summary,
            b.calendar.name,
        )
        for b in busy_blocks(state.ticked, since, until)[:BUSY_SHOWN]
    ]


def _describe(blocks) -> str:
    first = blocks[0]
    when = f"{timezone.localtime(first.starts_at):%H:%M}–{timezone.localtime(first.ends_at):%H:%M}"
    more = f" and {len(blocks) - 1} more" if len(blocks) > 1 else ""
    return f"clashes with “{first.summary or 'Busy'}” {when} ({first.calendar.name}){more}"


def clash_for(*, staff=None, venue=None, starts_at, ends_at) -> str:
    """Why this time clashes with a busy block of the staff member or venue ("" if not)."""
    if not available():
        return ""
    from calendars.selectors import clashes

    found = clashes(staff=staff, venue=venue, starts_at=starts_at, ends_at=ends_at)
    return _describe(found) if found else ""


def occurrence_warnings(occurrences) -> dict[int, str]:
    """Occurrence id -> its clash with a busy block of its staff member (one query per time
    offered, at most WARNED_TIMES: a day's times)."""
    if not available():
        return {}
    out = {}
    for o in list(occurrences[:WARNED_TIMES]):
        warning = clash_for(staff=o.timeslot.staff, starts_at=o.starts_at, ends_at=o.ends_at)
        if warning:
            out[o.pk] = warning
    return out


def schedule_warning(schedule) -> str:
    """The clash of a schedule with busy blocks of its trainer or its room."""
    if schedule is None:
        return ""
    return clash_for(
        staff=schedule.trainer, venue=schedule.venue,
        starts_at=schedule.start_at, ends_at=schedule.end_at,
    )  # fmt: skip
