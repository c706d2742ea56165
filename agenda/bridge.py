"""The calendar's seam with the `calendars` app (integrated calendars, busy blocks, the
ticked calendars of each user). Everything here is a no-op until that app is installed, so the
calendar works without it."""

import datetime

from django.apps import apps

from .selectors import Scope


def available() -> bool:
    return apps.is_installed("calendars")


def calendar_choices(user) -> list:
    return []


def scope_for(user) -> Scope | None:
    return None


def busy_blocks_for(user, start: datetime.date, end: datetime.date, scope) -> list:
    return []


def occurrence_warnings(occurrences) -> dict[int, str]:
    """Occurrence id -> why its time clashes with a busy block of its staff member."""
    return {}


def schedule_warnings(booking) -> dict[int, str]:
    """Schedule id -> why it clashes with a busy block of its trainer or room."""
    return {}


def choice_save(user, calendar_ids: list[int]) -> None:
    """Remember the ticked calendars of `user`."""
    return None
