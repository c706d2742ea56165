"""The calendar's grid: events placed in the cells of a month (days) or a week / day (hours),
each cell showing at most a few and "N more" (the day view shows all), so a busy month renders
in the same time as a quiet one."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from .periods import DAY, Period
from .selectors import Event

PER_MONTH_CELL = 3
PER_HOUR_CELL = 4
PER_LIST_DAY = 6
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


@dataclass
class Grid:
    period: Period
    rows: list[tuple[str, list[Cell]]]  # (row heading, cells)
    by_day: list[tuple[datetime.date, list[Event], int]]  # the list alternative
    total: int


def _capped(events: list[Event], cap: int | None) -> tuple[list[Event], int]:
    if cap is None or len(events) <= cap:
        return events, 0
    return events[:cap], len(events) - cap


def build(period: Period, events: list[Event], busy: list | None = None) -> Grid:
    per_day: dict[datetime.date, list[Event]] = defaultdict(list)
    for e in events:
        per_day[e.day].append(e)
    busy_day: dict[datetime.date, list] = defaultdict(list)
    busy_hour: dict[tuple[datetime.date, int], list] = defaultdict(list)
    for b in busy or []:
        busy_day[b.day].append(b)
        busy_hour[(b.day, b.starts.hour)].append(b)
    all_of_day = period.view == DAY
    rows: list[tuple[str, list[Cell]]] = []
    if period.view == "month":
        for week in period.weeks:
            cells = []
            for d in week:
                shown, more = _capped(per_day.get(d, []), PER_MONTH_CELL)
                cells.append(Cell(d, None, shown, more, busy_day.get(d, [])[:2]))
            rows.append((f"Week {week[0].isocalendar().week}", cells))
    else:
        per_hour: dict[tuple[datetime.date, int], list[Event]] = defaultdict(list)
        for e in events:
            per_hour[(e.day, e.start.hour)].append(e)
        hours = sorted(set(DAY_HOURS) | {h for _, h in per_hour} | {h for _, h in busy_hour})
        for h in hours:
            cells = []
            for d in period.days:
                shown, more = _capped(
                    per_hour.get((d, h), []), None if all_of_day else PER_HOUR_CELL
                )
                cells.append(Cell(d, h, shown, more, busy_hour.get((d, h), [])[:2]))
            rows.append((f"{h:02d}:00", cells))
    by_day = []
    for d in period.days:
        day_events = per_day.get(d, [])
        if day_events:
            shown, more = _capped(day_events, None if all_of_day else PER_LIST_DAY)
            by_day.append((d, shown, more))
    return Grid(period, rows, by_day, len(events))
