"""The calendar's grid: events placed in the cells of a month (days) or a week / day (hours),
each cell showing at most a few and "N more" (the day view shows all), so a busy month renders
in the same time as a quiet one."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from .periods import DAY, MONTH, WEEK, Period
from .selectors import DAY_CELLS, HOUR_CELLS, Event, Events

PER_MONTH_CELL = 3
PER_HOUR_CELL = 4
DAY_HOURS = range(7, 21)  # 07:00-20:59 unless events fall outside


@dataclass
class Cell:
    day: datetime.date
    hour: int | None
    events: list[Event] = field(default_factory=list)
    more: int = 0
    busy: list = field(default_factory=list)  # busy blocks of ticked calendars (bridge.BusyItem)

    @property
    def time(self) -> str:
        return f"{self.hour:02d}:00" if self.hour is not None else ""

    @property
    def iso(self) -> str:
        return self.day.isoformat()

    @property
    def label(self) -> str:
        return f"{self.day:%A} {self.day.day} {self.day:%B %Y}"


@dataclass
class Grid:
    period: Period
    rows: list[tuple[str, list[Cell]]]  # (row heading, cells)
    by_day: list[tuple[datetime.date, list[Event], int]]  # the list alternative
    total: int


# What each view asks the database for: cells of a day or of an hour, and how many per cell.
QUERY = {
    MONTH: (DAY_CELLS, PER_MONTH_CELL),
    WEEK: (HOUR_CELLS, PER_HOUR_CELL),
    DAY: (HOUR_CELLS, None),
}


def _take(events: list[Event], cap: int | None, count: int) -> tuple[list[Event], int]:
    shown = events if cap is None else events[:cap]
    return shown, max(count - len(shown), 0)


def build(period: Period, found: Events, busy: list | None = None) -> Grid:
    """The grid of `period` from the events the database sent (at most a few per cell, see
    QUERY) and the counts of each cell."""
    cells_kind, cap = QUERY[period.view]
    per_day: dict[datetime.date, list[Event]] = defaultdict(list)
    per_hour: dict[tuple[datetime.date, int], list[Event]] = defaultdict(list)
    for e in found.shown:
        per_day[e.day].append(e)
        per_hour[(e.day, e.start.hour)].append(e)
    day_totals: dict[datetime.date, int] = defaultdict(int)
    for key, n in found.counts.items():
        day_totals[key if cells_kind == DAY_CELLS else key[0]] += n
    busy_day: dict[datetime.date, list] = defaultdict(list)
    busy_hour: dict[tuple[datetime.date, int], list] = defaultdict(list)
    for b in busy or []:
        busy_day[b.day].append(b)
        busy_hour[(b.day, b.starts.hour)].append(b)
    rows: list[tuple[str, list[Cell]]] = []
    by_day = []
    if period.view == MONTH:
        for week in period.weeks:
            cells = []
            for d in week:
                shown, more = _take(per_day.get(d, []), cap, found.counts.get(d, 0))
                cells.append(Cell(d, None, shown, more, busy_day.get(d, [])[:2]))
                if shown:
                    by_day.append((d, shown, more))
            rows.append((f"Week {week[0].isocalendar().week}", cells))
    else:
        hours = sorted(set(DAY_HOURS) | {h for _, h in per_hour} | {h for _, h in busy_hour})
        shown_of_day: dict[datetime.date, list[Event]] = defaultdict(list)
        for h in hours:
            cells = []
            for d in period.days:
                shown, more = _take(per_hour.get((d, h), []), cap, found.counts.get((d, h), 0))
                cells.append(Cell(d, h, shown, more, busy_hour.get((d, h), [])[:2]))
                shown_of_day[d].extend(shown)
            rows.append((f"{h:02d}:00", cells))
        for d in period.days:
            if shown_of_day[d]:
                by_day.append((d, shown_of_day[d], day_totals[d] - len(shown_of_day[d])))
    return Grid(period, rows, by_day, found.total)
