"""What editing and deleting a timeslot share: who may, the lock, taking dates out."""

import datetime

from django.core.exceptions import PermissionDenied

from core.access import has
from core.audit import Actor
from core.errors import DomainError

from ..models import Occurrence, Seat, Timeslot
from ..recurrence import local_span


def day_label(d: datetime.date) -> str:
    return f"{d:%a %d %b %Y}"


def seats_label(n: int) -> str:
    return f"{n} seat{'s' if n != 1 else ''}"


def may_edit_timeslot(user, timeslot: Timeslot) -> bool:
    """Admins any timeslot; Providers their own (SPEC 1). Pages ask this for their buttons,
    the services below for the change."""
    if has(user, "manage_timeslots"):
        return True
    return has(user, "edit_own_timeslots") and timeslot.staff_id == user.pk


def lock_timeslot(timeslot: Timeslot, actor: Actor) -> Timeslot:
    # FOR NO KEY UPDATE: a booking being made inserts rows referring to the timeslot (a FOR
    # KEY SHARE lock) while holding its occurrences; a plain FOR UPDATE here, then waiting for
    # those occurrences, would deadlock with it.
    locked = (
        Timeslot.objects.select_for_update(of=("self",), no_key=True)
        .select_related("appointment_type", "staff", "pricing_schedule")
        .filter(pk=timeslot.pk)
        .first()
    )
    if locked is None:
        raise DomainError("That timeslot does not exist.")
    # asked of the locked row: the staff member may have changed since the page was shown
    if not may_edit_timeslot(actor, locked):
        raise PermissionDenied
    if locked.archived:
        raise DomainError("This timeslot has been archived: it can no longer be changed.")
    return locked


def wall_clock_span(ts: Timeslot, day: datetime.date) -> tuple[datetime.datetime, ...]:
    return local_span(day, ts.start_time, ts.end_time, ts.time_zone)


def set_aside(occurrences: list[Occurrence]) -> int:
    """Take dates out of a timeslot (nobody booked on them): a date with seats, all cancelled,
    stays as a cancelled row for their history; one without any seat is deleted."""
    if not occurrences:
        return 0
    ids = [o.pk for o in occurrences]
    remembered = set(
        Seat.objects.filter(occurrence_id__in=ids).values_list("occurrence_id", flat=True)
    )
    Occurrence.objects.filter(pk__in=[i for i in ids if i in remembered]).update(cancelled=True)
    Occurrence.objects.filter(pk__in=[i for i in ids if i not in remembered]).delete()
    return len(ids)
