"""Locks and capacity: the one place that moves `Schedule.places_taken`.

Lock order, always: schedule rows (by pk) -> booking row -> place rows, then whatever the
ledger services lock (billing account -> invoices -> number sequences). Capacity lives on
`Schedule.places_taken`, changed only here under the schedule's row lock; a database CHECK
refuses a value above capacity as the last line of defence.
"""

from collections import Counter
from collections.abc import Iterable, Sequence

from django.db.models import F

from core.errors import DomainError
from schedules.models import Schedule

from ..models import Booking, BookingPlace


def lock_schedules(*schedule_ids: int) -> dict[int, Schedule]:
    rows = (
        Schedule.objects.select_for_update()
        .select_related("course")
        .filter(pk__in=set(schedule_ids))
        .order_by("pk")
    )
    return {s.pk: s for s in rows}


def lock_booking(booking: Booking) -> Booking:
    try:
        return (
            Booking.objects.select_for_update(of=("self",))
            .select_related("schedule__course", "organisation", "lead_booker", "contact")
            .get(pk=booking.pk)
        )
    except Booking.DoesNotExist:
        raise DomainError("That booking does not exist.") from None


def lock_places(booking: Booking, **filters) -> list[BookingPlace]:
    return list(
        BookingPlace.objects.select_for_update(of=("self",))
        .select_related("contact", "schedule__course")
        .filter(booking=booking, **filters)
        .order_by("pk")
    )


def take_places(schedule: Schedule, count: int) -> None:
    """Hold `count` more places on `schedule` (locked by the caller), or refuse."""
    left = schedule.places_left
    if left <= 0:
        raise DomainError(f"No places left on {schedule.code}: the schedule is full.")
    if count > left:
        raise DomainError(
            f"Only {left} place{'s' if left != 1 else ''} left on {schedule.code}; "
            f"you are booking {count}.",
            field="delegates",
        )
    Schedule.objects.filter(pk=schedule.pk).update(places_taken=F("places_taken") + count)
    schedule.places_taken += count


def free_places(places: Iterable[BookingPlace]) -> None:
    """Give back the places of these seats (their schedules locked by the caller)."""
    for schedule_id, n in sorted(Counter(p.schedule_id for p in places).items()):
        Schedule.objects.filter(pk=schedule_id).update(places_taken=F("places_taken") - n)


def schedule_ids_of(booking: Booking, place_ids: Sequence[int]) -> set[int]:
    return set(
        BookingPlace.objects.filter(booking=booking, pk__in=place_ids).values_list(
            "schedule_id", flat=True
        )
    )
