"""Who may backdate what (SPEC 1 and 6), asked by the services and the pages alike.

- Admins (`backdate_any`): any timeslot, any date.
- Team leaders (`backdate_recent`): only into the current and the previous calendar month of
  the site's time zone (in December: December and November; in January: January and the
  previous December). They also cancel sessions, with or without penalty.
- Providers (`backdate_own`): occurrences of their own timeslots, any date.
Everyone else: refused.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied

from appointments.models import Occurrence
from appointments.recurrence import local_today
from core.access import has
from core.audit import Actor
from core.errors import DomainError


def may_backdate(actor: Actor) -> bool:
    return any(has(actor, c) for c in ("backdate_any", "backdate_recent", "backdate_own"))


def may_cancel(actor: Actor) -> bool:
    return has(actor, "backdate_any") or has(actor, "backdate_recent")


def recent_window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first day of the previous month and the last day of this month."""
    first_this = today.replace(day=1)
    return first_this - relativedelta(months=1), first_this + relativedelta(months=1, days=-1)


def date_window(actor: Actor) -> tuple[datetime.date, datetime.date] | None:
    """The dates `actor` may backdate into (None: no limit). Admins and providers have none;
    a team leader the current and previous month."""
    if has(actor, "backdate_any") or has(actor, "backdate_own"):
        return None
    if has(actor, "backdate_recent"):
        return recent_window(local_today())
    return None


def consultant_ids(actor: Actor) -> list[int] | None:
    """The consultants whose timeslots `actor` may book into (None: all); a provider only
    their own (unless they also hold a wider capability)."""
    if has(actor, "backdate_any") or has(actor, "backdate_recent"):
        return None
    if has(actor, "backdate_own"):
        return [actor.pk]
    return []


def _month_names(window: tuple[datetime.date, datetime.date]) -> str:
    start, end = window
    return f"{start:%B %Y} and {end:%B %Y}"


def check_occurrence(actor: Actor, occurrence: Occurrence) -> None:
    """Refuse a booking or attendance change of `occurrence` that `actor` may not make:
    PermissionDenied for someone with no backdating right or a provider with another
    consultant's timeslot; a DomainError for a team leader outside their two months."""
    if has(actor, "backdate_any"):
        return
    if has(actor, "backdate_recent"):
        window = recent_window(local_today())
        if not window[0] <= occurrence.date <= window[1]:
            raise DomainError(
                f"Team leaders can backdate into {_month_names(window)} only.", field="occurrence"
            )
        return
    if has(actor, "backdate_own"):
        if occurrence.timeslot.staff_id != actor.pk:
            raise PermissionDenied
        return
    raise PermissionDenied
