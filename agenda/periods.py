"""The period a calendar page shows: a month (whole weeks, Monday first), a week or a day."""

import datetime
import re
from dataclasses import dataclass, field

MONTH, WEEK, DAY = "month", "week", "day"
VIEWS = (MONTH, WEEK, DAY)
VIEW_LABELS = {MONTH: "Month", WEEK: "Week", DAY: "Day"}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FIRST, LAST = datetime.date(1900, 2, 1), datetime.date(2999, 11, 30)


def parse_date(raw, default: datetime.date) -> datetime.date:
    """A YYYY-MM-DD date from a query string, kept within the years the forms accept; anything
    else is `default` (bad input never fails the page)."""
    try:
        value = datetime.date.fromisoformat(str(raw or "")[:10])
    except ValueError:
        return default
    return min(max(value, FIRST), LAST)


def parse_time(raw) -> datetime.time | None:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(raw or "")[:5])
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return datetime.time(int(match[1]), int(match[2]))


def _month_start(d: datetime.date) -> datetime.date:
    return d.replace(day=1)


def _add_months(d: datetime.date, n: int) -> datetime.date:
    month = d.month - 1 + n
    return datetime.date(d.year + month // 12, month % 12 + 1, 1)


@dataclass
class Period:
    view: str
    anchor: datetime.date
    today: datetime.date
    start: datetime.date = field(init=False)
    end: datetime.date = field(init=False)  # inclusive
    previous: datetime.date = field(init=False)
    next: datetime.date = field(init=False)
    title: str = field(init=False)

    def __post_init__(self) -> None:
        a = self.anchor
        if self.view == MONTH:
            first = _month_start(a)
            last = _add_months(first, 1) - datetime.timedelta(days=1)
            self.start = first - datetime.timedelta(days=first.weekday())
            self.end = last + datetime.timedelta(days=6 - last.weekday())
            self.previous, self.next = _add_months(first, -1), _add_months(first, 1)
            self.title = f"{a:%B %Y}"
        elif self.view == WEEK:
            self.start = a - datetime.timedelta(days=a.weekday())
            self.end = self.start + datetime.timedelta(days=6)
            self.previous = self.start - datetime.timedelta(days=7)
            self.next = self.start + datetime.timedelta(days=7)
            self.title = f"Week of {self.start:%-d %B %Y}"
        else:
            self.start = self.end = a
            self.previous = a - datetime.timedelta(days=1)
            self.next = a + datetime.timedelta(days=1)
            self.title = f"{a:%A %-d %B %Y}"
        self.previous = max(self.previous, FIRST)
        self.next = min(self.next, LAST)

    @property
    def days(self) -> list[datetime.date]:
        n = (self.end - self.start).days + 1
        return [self.start + datetime.timedelta(days=i) for i in range(n)]

    @property
    def weeks(self) -> list[list[datetime.date]]:
        days = self.days
        return [days[i : i + 7] for i in range(0, len(days), 7)]

    def in_month(self, d: datetime.date) -> bool:
        return d.month == self.anchor.month
