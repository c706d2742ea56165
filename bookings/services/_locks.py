"""Locks and capacity: the one place that moves `Schedule.places_taken`.

Lock order, always: schedule rows (by pk) -> booking row -> place rows, then whatever the
ledger services lock (billing account -> invoices -> number sequences). Capacity lives on
`Schedule.places_taken`, changed only here under the schedule's row lock; a database CHECK
refuses a value above capacity as the last line of defence.
"""

from collections import Counter
from collections.abc import Iterable, Sequence

from django.db import connection
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


def lock_and_take_places(schedule: Schedule, count: int) -> Schedule:
    """Lock the schedule's row and hold `count` more places, or refuse; the schedule as it is
    now (price, VAT rate and places read under the lock).

    On PostgreSQL one conditional UPDATE ... RETURNING does all of it: it waits for the row
    lock like SELECT FOR UPDATE, re-checks `places_taken + count <= capacity` on the row as
    committed by whoever held the lock, and returns the row. Only a refusal reads the row
    again, to say why. The course and venue come from `schedule` when it carries them (the
    booking form loads them), else they are read when used.
    """
    if connection.vendor == "postgresql":
        fields = Schedule._meta.concrete_fields
        table = connection.ops.quote_name(Schedule._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET places_taken = places_taken + %s "
                f"WHERE id = %s AND places_taken + %s <= capacity RETURNING {columns}",
                [count, schedule.pk, count],
            )
            row = cursor.fetchone()
        if row is not None:
            fresh = Schedule.from_db(connection.alias, [f.attname for f in fields], row)
            for relation in ("course", "venue"):
                descriptor = getattr(Schedule, relation)
                if descriptor.is_cached(schedule) and (
                    getattr(schedule, f"{relation}_id") == getattr(fresh, f"{relation}_id")
                ):
                    setattr(fresh, relation, getattr(schedule, relation))
            return fresh
    # SQLite (the whole database is locked by the transaction), or a refusal: say why.
    locked = lock_schedules(schedule.pk).get(schedule.pk)
    if locked is None:
        raise DomainError("That schedule does not exist.", field="schedule")
    take_places(locked, count)
    return locked


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
