"""Booking a student into a timeslot's occurrences, and extending a recurring booking.

Capacity: the occurrence rows are locked in id order (`SELECT ... FOR UPDATE`), checked, then
moved with one UPDATE; the CHECK `taken <= capacity` refuses anything past it as the last line.
Lock order, always: occurrences (by pk) -> pack -> booking.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied
from django.db.models import F

from calendars.services import booking_changed
from contacts.models import Contact
from core.access import has
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.text import bounded
from core.transactions import service_atomic

from ..emails import booking_email_offered, queue_new_appointment
from ..models import AppointmentBooking, Occurrence, Pack, PricingSchedule, Seat, Timeslot
from ..recurrence import local_today, window_end
from ..selectors import occurrences_in_range
from ..states import BookingFrequency, BookingSource, BookingStatus, SeatState
from .occurrences import occurrences_generate


def _day(d: datetime.date) -> str:
    return f"{d:%a %d %b %Y}"


def booking_schedule(
    timeslot: Timeslot,
    *,
    frequency: str,
    start_date: datetime.date,
    end_date: datetime.date | None,
    weekdays: Iterable[int] = (),
) -> tuple[datetime.date, datetime.date | None, list[int]]:
    """The booking's schedule as the seed's SCHEDULE section reads it: Non-Recurring sets End
    Date = Start Date; the weekdays are those chosen among the timeslot's (none chosen: all of
    them); a One Time timeslot has its one date. Refuses what cannot be booked."""
    if frequency not in BookingFrequency.values:
        raise DomainError("Choose a frequency: Recurring or Non-Recurring.", field="frequency")
    if timeslot.is_one_time:
        return timeslot.start_date, timeslot.start_date, []
    if frequency == BookingFrequency.NON_RECURRING:
        end_date = start_date
    if end_date is not None and end_date < start_date:
        raise DomainError("The End Date is before the Start Date.", field="end_date")
    offered = timeslot.weekday_numbers
    chosen = sorted(set(weekdays))
    stray = [d for d in chosen if d not in offered]
    if stray:
        raise DomainError(f"This timeslot is on {timeslot.weekday_labels} only.", field="weekdays")
    if frequency == BookingFrequency.NON_RECURRING:
        if start_date.weekday() not in offered:
            raise DomainError(
                f"{_day(start_date)} is not a day of this timeslot ({timeslot.weekday_labels}).",
                field="start_date",
            )
        return start_date, end_date, [start_date.weekday()]
    return start_date, end_date, chosen or offered


def _refuse_full(locked: Sequence[Occurrence]) -> None:
    full = [o for o in locked if o.cancelled or o.taken >= o.capacity]
    if full:
        days = ", ".join(_day(o.date) for o in full[:5]) + (" …" if len(full) > 5 else "")
        raise DomainError(f"No openings left on {days}: choose other dates.", field="dates")


def take_seats(occurrence_ids: Sequence[int]) -> list[Occurrence]:
    """Lock the occurrences in id order, refuse any that is full or cancelled, take one place
    in each. The locked rows, in id order."""
    locked = list(
        Occurrence.objects.select_for_update().filter(pk__in=occurrence_ids).order_by("pk")
    )
    if len(locked) != len(set(occurrence_ids)):
        raise DomainError("One of those dates no longer exists: choose again.", field="dates")
    _refuse_full(locked)
    Occurrence.objects.filter(pk__in=[o.pk for o in locked]).update(taken=F("taken") + 1)
    for o in locked:
        o.taken += 1
    return locked


def free_seats(occurrence_ids: Sequence[int]) -> None:
    """Give back one place in each occurrence (locked in id order)."""
    ids = sorted(set(occurrence_ids))
    if not ids:
        return
    list(Occurrence.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    Occurrence.objects.filter(pk__in=ids).update(taken=F("taken") - 1)


def _refuse_double_booking(student: Contact, occurrence_ids: Sequence[int]) -> None:
    clash = (
        Seat.objects.filter(
            occurrence_id__in=occurrence_ids,
            state=SeatState.BOOKED,
            booking__student=student,
        )
        .select_related("occurrence")
        .order_by("occurrence__date")
        .first()
    )
    if clash:
        raise DomainError(
            f"{student.first_name} {student.last_name} is already booked on "
            f"{_day(clash.occurrence.date)} in this timeslot.",
            field="dates",
        )


def pack_take(pack: Pack, *, on: datetime.date, timeslot: Timeslot) -> None:
    """Use one punch / session of `pack`, or refuse. One conditional UPDATE: two staff taking
    the last punch at once leave one use and one refusal."""
    if not pack.valid_on(on):
        raise DomainError(f"{pack.reference} is not valid on {_day(on)}.", field="pack")
    if pack.appointment_type_id and pack.appointment_type_id != timeslot.appointment_type_id:
        raise DomainError(f"{pack.reference} is for {pack.appointment_type} only.", field="pack")
    taken = Pack.objects.filter(pk=pack.pk, used__lt=F("size")).update(used=F("used") + 1)
    if not taken:
        raise DomainError(f"No punches left on {pack.reference}.", field="pack")
    pack.used += 1


def pack_give_back(pack: Pack) -> None:
    Pack.objects.filter(pk=pack.pk, used__gt=0).update(used=F("used") - 1)


def appointment_book(
    *,
    actor: Actor,
    student: Contact,
    timeslot: Timeslot,
    frequency: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    weekdays: Iterable[int] = (),
    dates: Iterable[datetime.date] | None = None,
    pricing_schedule: PricingSchedule | None = None,
    notes: str = "",
    send_email: bool = False,
    today: datetime.date | None = None,
) -> AppointmentBooking:
    """Book `student` into `timeslot` from the office (seed 002, ways 1 and 2)."""
    if not has(actor, "manage_appointments"):
        raise PermissionDenied
    return book(
        actor=actor,
        student=student,
        timeslot=timeslot,
        frequency=frequency,
        start_date=start_date,
        end_date=end_date,
        weekdays=weekdays,
        dates=dates,
        pricing_schedule=pricing_schedule,
        notes=notes,
        send_email=send_email,
        today=today,
    )


def book(
    *,
    actor: Actor,
    student: Contact,
    timeslot: Timeslot,
    frequency: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    weekdays: Iterable[int] = (),
    dates: Iterable[datetime.date] | None = None,
    pricing_schedule: PricingSchedule | None = None,
    notes: str = "",
    send_email: bool = False,
    source: str = BookingSource.OFFICE,
    pack: Pack | None = None,
    include_past: bool = False,
    today: datetime.date | None = None,
    history: str = "",
) -> AppointmentBooking:
    """The booking itself, for every way in (the office, a punch pass, an invitation, a
    backdated session): the caller has checked who may. Atomic; refuses with a DomainError
    and writes nothing when a date is full, the student is already booked then, a pack has
    no punch left, or the schedule is not bookable."""
    notes = bounded(notes, field="notes", label="Notes")
    if timeslot.archived:
        raise DomainError("This timeslot is no longer offered.", field="timeslot")
    if pricing_schedule is not None and not pricing_schedule.active:
        raise DomainError("That pricing schedule is no longer in use.", field="pricing_schedule")
    today = today or local_today(timeslot.time_zone)
    start, end, days = booking_schedule(
        timeslot, frequency=frequency, start_date=start_date, end_date=end_date, weekdays=weekdays
    )
    horizon = window_end(today)
    with service_atomic():
        occurrences_generate(timeslot, until=horizon)
        offered = occurrences_in_range(
            timeslot, start=start, end=end, weekdays=days, today=today, include_past=include_past
        )
        if dates is not None:
            wanted = set(dates)
            offered_dates = {o.date for o in offered}
            stray = sorted(wanted - offered_dates)
            if stray:
                raise DomainError(
                    f"{_day(stray[0])} is not a date of this timeslot in the chosen range.",
                    field="dates",
                )
            offered = [o for o in offered if o.date in wanted]
        if not offered:
            raise DomainError(
                "There are no dates to book in this range: change the Start Date, End Date "
                "or days.",
                field="start_date",
            )
        locked = take_seats([o.pk for o in offered])
        _refuse_double_booking(student, [o.pk for o in locked])
        if pack is not None:
            pack_take(pack, on=locked[0].date, timeslot=timeslot)
        recurring = frequency == BookingFrequency.RECURRING and not timeslot.is_one_time
        booking = AppointmentBooking.objects.create(
            student=student,
            family_id=student.family_id,
            timeslot=timeslot,
            frequency=BookingFrequency.RECURRING if recurring else BookingFrequency.NON_RECURRING,
            start_date=start,
            end_date=end,
            weekdays="".join(str(d) for d in days),
            pricing_schedule=pricing_schedule or timeslot.effective_pricing,
            status=BookingStatus.CONFIRMED,
            source=source,
            pack=pack,
            notes=notes,
            generated_until=min(end or horizon, horizon) if recurring else None,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        seats = Seat.objects.bulk_create(
            [Seat(booking=booking, occurrence=o) for o in sorted(locked, key=lambda o: o.date)]
        )
        for seat, occurrence in zip(seats, sorted(locked, key=lambda o: o.date), strict=True):
            seat.occurrence = occurrence
        audit_record(
            actor=actor,
            target=booking,
            action="appointment.book",
            summary=history
            or (
                f"Booked {student.first_name} {student.last_name} into "
                f"{timeslot.appointment_type.name} with {timeslot.staff_name}: "
                f"{len(seats)} date{'s' if len(seats) != 1 else ''} "
                f"from {_day(seats[0].occurrence.date)}"
            ),
            data={"occurrences": [o.pk for o in locked], "source": source},
        )
        if send_email and booking_email_offered(student):
            queue_new_appointment(actor=actor, booking=booking, seats=seats)
        booking_changed(booking, created=True)  # calendar sync: the staff member's CalDAV
    return booking


def series_extend(*, booking_id: int, until: datetime.date) -> int:
    """Book a recurring booking into its timeslot's next occurrences up to `until` (the beat
    task, inside a service transaction). A full date is skipped and said in the history; the
    booking stays on its other dates. The number of seats added."""
    booking = (
        AppointmentBooking.objects.select_for_update(of=("self",))
        .select_related("timeslot", "timeslot__appointment_type", "timeslot__staff")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or not booking.is_recurring or booking.generated_until is None:
        return 0
    last = min(until, booking.end_date) if booking.end_date else until
    if last <= booking.generated_until:
        return 0
    occurrences_generate(booking.timeslot, until=until)
    candidates = occurrences_in_range(
        booking.timeslot,
        start=booking.generated_until + datetime.timedelta(days=1),
        end=last,
        weekdays=booking.weekday_numbers,
        include_past=True,
    )
    ids = sorted(o.pk for o in candidates)
    locked = list(Occurrence.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    open_ = [o for o in locked if not o.cancelled and o.taken < o.capacity]
    full = [o for o in locked if o not in open_]
    if open_:
        Occurrence.objects.filter(pk__in=[o.pk for o in open_]).update(taken=F("taken") + 1)
        Seat.objects.bulk_create(
            [Seat(booking=booking, occurrence=o) for o in open_], ignore_conflicts=True
        )
    AppointmentBooking.objects.filter(pk=booking.pk).update(generated_until=last)
    if open_ or full:
        summary = f"Series extended to {_day(last)}: {len(open_)} more date(s) booked"
        if full:
            summary += "; full, not booked: " + ", ".join(_day(o.date) for o in full[:10])
        audit_record(actor=None, target=booking, action="appointment.extend", summary=summary)
    if open_:  # more dates (RDATEs) on the calendar copies; not a reschedule
        booking_changed(booking, significant=False)
    return len(open_)
