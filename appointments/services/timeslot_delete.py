"""Deleting a timeslot: refused while future seats are booked; archived when it was ever
booked (its past stays), deleted outright when it never was."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, ProtectedError, RestrictedError
from django.utils import timezone

from core.access import has
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.text import bounded
from core.transactions import service_atomic

from ..models import AppointmentBooking, Occurrence, Seat, Timeslot
from ..states import SeatState
from ._timeslots import lock_timeslot, seats_label, set_aside


@dataclass(frozen=True)
class TimeslotRemoval:
    archived: bool  # False: deleted outright (it was never booked)
    description: str


def timeslot_delete(*, actor: Actor, timeslot: Timeslot, reason: str = "") -> TimeslotRemoval:
    """Delete a timeslot, refused while seats are booked on its future dates. A timeslot that
    was ever booked is archived (its past dates and their history stay, nothing can be booked
    into it); one that never was is deleted with its dates."""
    if not has(actor, "manage_timeslots") and not has(actor, "edit_own_timeslots"):
        raise PermissionDenied
    reason = bounded(reason, field="reason", label="Reason")
    with service_atomic():
        ts = lock_timeslot(timeslot, actor)
        now = timezone.now()
        future = list(
            Occurrence.objects.select_for_update()
            .filter(timeslot=ts, starts_at__gt=now)
            .order_by("pk")
        )
        booked = Seat.objects.filter(occurrence__in=future, state=SeatState.BOOKED).aggregate(
            seats=Count("pk"), bookings=Count("booking", distinct=True)
        )
        if booked["seats"]:
            n, b = booked["seats"], booked["bookings"]
            raise DomainError(
                f"{seats_label(n)} on future dates {'is' if n == 1 else 'are'} booked in this "
                f"timeslot ({b} booking{'s' if b != 1 else ''}). Cancel them first, then delete "
                "the timeslot."
            )
        description = str(ts)
        if not AppointmentBooking.objects.filter(timeslot=ts).exists():
            pk = ts.pk
            try:
                with transaction.atomic():
                    ts.delete()
            except (ProtectedError, RestrictedError):
                ts.pk = pk  # something else remembers it: archive instead
            else:
                ts.pk = pk
                audit_record(
                    actor=actor,
                    target=ts,
                    action="timeslot.delete",
                    summary=f"Deleted timeslot {description} (never booked)"[:500],
                    reason=reason,
                )
                return TimeslotRemoval(archived=False, description=description)
        set_aside(future)
        Timeslot.objects.filter(pk=ts.pk).update(archived=True)
        ts.archived = True
        audit_record(
            actor=actor,
            target=ts,
            action="timeslot.archive",
            summary=(
                f"Archived timeslot {description}: its past dates and their bookings stay, "
                f"{len(future)} future date{'s' if len(future) != 1 else ''} removed"
            )[:500],
            reason=reason,
        )
    return TimeslotRemoval(archived=True, description=description)
