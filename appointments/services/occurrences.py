"""Occurrences: generated 13 months ahead, extended as the window moves, and the seats of
open-ended recurring bookings extended with them."""

import datetime

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from core.transactions import service_atomic

from ..models import AppointmentBooking, Occurrence, Timeslot
from ..recurrence import local_span, local_today, timeslot_dates, window_end
from ..states import OPEN_STATUSES, BookingFrequency


def occurrences_generate(timeslot: Timeslot, *, until: datetime.date) -> int:
    """Create the timeslot's occurrences up to `until` (inclusive) that do not exist yet; the
    number created. Cheap when they do: `generated_until` is read from the row in hand."""
    if timeslot.generated_until and timeslot.generated_until >= until:
        return 0
    if timeslot.archived:
        return 0
    start = (
        timeslot.generated_until + datetime.timedelta(days=1)
        if timeslot.generated_until
        else timeslot.start_date
    )
    rows = []
    for day in timeslot_dates(timeslot, start, until):
        starts_at, ends_at = local_span(
            day, timeslot.start_time, timeslot.end_time, timeslot.time_zone
        )
        rows.append(
            Occurrence(
                timeslot=timeslot,
                date=day,
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=timeslot.capacity,
            )
        )
    with transaction.atomic():
        Occurrence.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        Timeslot.objects.filter(pk=timeslot.pk).filter(
            Q(generated_until__isnull=True) | Q(generated_until__lt=until)
        ).update(generated_until=until)
    timeslot.generated_until = until
    return len(rows)


def occurrences_extend(*, today: datetime.date | None = None) -> dict[str, int]:
    """Move every timeslot's occurrences and every open recurring booking's seats up to the
    13-month window seen from `today` (the daily beat task). Safe to run twice or in parallel:
    occurrences are unique per (timeslot, date) and a booking's seats per occurrence."""
    from .book import series_extend

    today = today or local_today()
    until = window_end(today)
    created = 0
    never = Value(datetime.date(1900, 1, 1))
    timeslots = Timeslot.objects.filter(archived=False).filter(
        Q(generated_until__isnull=True) | Q(generated_until__lt=until)
    )
    # a timeslot whose end date was generated already has nothing left to add
    timeslots = timeslots.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=Coalesce("generated_until", never))
    )
    for timeslot in timeslots.iterator():
        created += occurrences_generate(timeslot, until=until)
    extended = 0
    series = AppointmentBooking.objects.filter(
        frequency=BookingFrequency.RECURRING,
        status__in=OPEN_STATUSES,
        generated_until__lt=until,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gt=F("generated_until")))
    for booking_id in series.values_list("pk", flat=True).iterator():
        with service_atomic():
            extended += series_extend(booking_id=booking_id, until=until)
    return {"occurrences": created, "seats": extended}
