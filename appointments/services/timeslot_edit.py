"""Editing and deleting timeslots (SPEC 1 and 8).

Who: Admins (`manage_timeslots`) any timeslot; Providers (`edit_own_timeslots`) their own,
and only to edit or delete (adding is `timeslot_create`, Admins only); nobody else.

Editing changes the FUTURE of a timeslot (occurrences not started yet) and leaves its past
as it happened:
- a new time moves every future occurrence to the new wall-clock time on its own date (so a
  16:00 lesson moved to 17:00 is 17:00 on both sides of a clock change); booked people keep
  their seats and each booking's history says the old and the new time;
- capacity never goes below the seats taken on any future date (refused naming the date) and
  is set on every future occurrence;
- the End Date, days of the week and Start Date decide which future dates exist: dates that
  are no longer the timeslot's are removed when nobody is booked on them (refused, naming the
  first date, when somebody is), new ones are generated up to the 13-month window and open
  recurring bookings are booked into them (on their own days and range, while there is room).

A removed date whose seats were all cancelled keeps its row (cancelled) for their history;
one with no seat at all is deleted. Lock order: timeslot -> its occurrences (by pk) ->
bookings, as the booking service's occurrences -> booking.
"""

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.access import has
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.text import bounded
from core.transactions import service_atomic

from ..models import AppointmentBooking, Occurrence, PricingSchedule, Seat, Timeslot
from ..recurrence import local_today, timeslot_dates, window_end
from ..states import OPEN_STATUSES, WEEKDAY_SHORT, WEEKDAYS, BookingFrequency, SeatState
from ._timeslots import day_label, lock_timeslot, seats_label, set_aside, wall_clock_span
from .setup import MAX_CAPACITY


class _Keep:
    """The default of a field not being changed (None is a real value: no End Date)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()
DAY_NAMES = dict(WEEKDAYS)


@dataclass
class TimeslotChange:
    timeslot: Timeslot
    changes: list[str] = field(default_factory=list)
    moved: int = 0  # future dates moved to the new time
    added: int = 0
    removed: int = 0
    rebooked: int = 0  # seats of recurring bookings added on new dates

    @property
    def summary(self) -> str:
        if not self.changes:
            return "Nothing changed."
        parts = ["; ".join(self.changes)]
        if self.moved:
            parts.append(f"{self.moved} future date{'s' if self.moved != 1 else ''} moved")
        if self.added:
            parts.append(f"{self.added} date{'s' if self.added != 1 else ''} added")
        if self.removed:
            parts.append(f"{self.removed} date{'s' if self.removed != 1 else ''} removed")
        if self.rebooked:
            parts.append(f"{seats_label(self.rebooked)} of recurring bookings added")
        return ". ".join(parts) + "."


def _times(start: datetime.time, end: datetime.time) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


def _days(days: Iterable[int]) -> str:
    return ", ".join(WEEKDAY_SHORT[d] for d in sorted(days)) or "none"


def _weekdays(value) -> list[int]:
    try:
        days = sorted({int(d) for d in value})
    except (TypeError, ValueError):
        raise DomainError("Choose days of the week.", field="weekdays") from None
    if any(d < 0 or d > 6 for d in days):
        raise DomainError("Choose days of the week.", field="weekdays")
    return days


def _removal_reason(o: Occurrence, ts: Timeslot, days: list[int]) -> str:
    if ts.is_one_time:
        return "date"
    if ts.end_date is not None and o.date > ts.end_date:
        return "end_date"
    if o.date < ts.start_date:
        return "start_date"
    if o.date.weekday() not in days:
        return "weekdays"
    return "date"


def _refuse_booked_removals(booked: list[Occurrence], ts: Timeslot, days: list[int]) -> None:
    if not booked:
        return
    first = min(booked, key=lambda o: o.date)
    taken = sum(o.taken for o in booked)
    reason = _removal_reason(first, ts, days)
    seats = f"{seats_label(taken)} {'is' if taken == 1 else 'are'} booked"
    if reason == "end_date":
        message = (
            f"{seats} after the new End Date {day_label(ts.end_date)} (the first on "
            f"{day_label(first.date)}): cancel those bookings first, or choose a later End Date."
        )
    elif reason == "weekdays":
        day = DAY_NAMES[first.date.weekday()]
        message = (
            f"{seats} on {day}s (the first on {day_label(first.date)}): cancel those bookings "
            f"first, or keep {day} as a day of this timeslot."
        )
    elif reason == "start_date":
        message = (
            f"{seats} before the new Start Date {day_label(ts.start_date)} (the first on "
            f"{day_label(first.date)}): cancel those bookings first, or choose an earlier "
            "Start Date."
        )
    else:
        message = (
            f"{seats} on {day_label(first.date)}: cancel those bookings first, or keep the date."
        )
    raise DomainError(message, field=reason if reason != "date" else "start_date")


def timeslot_update(  # noqa: C901 - one rule per field, in the order the module docstring tells
    *,
    actor: Actor,
    timeslot: Timeslot,
    staff: AbstractBaseUser | _Keep = KEEP,
    start_date: datetime.date | _Keep = KEEP,
    end_date: datetime.date | None | _Keep = KEEP,
    start_time: datetime.time | _Keep = KEEP,
    end_time: datetime.time | _Keep = KEEP,
    weekdays: Iterable[int] | _Keep = KEEP,
    capacity: int | _Keep = KEEP,
    pricing_schedule: PricingSchedule | None | _Keep = KEEP,
    location: str | _Keep = KEEP,
    reason: str = "",
    today: datetime.date | None = None,
) -> TimeslotChange:
    """Change a timeslot and its future occurrences (see the module docstring). Atomic: a
    refusal writes nothing."""
    if not has(actor, "manage_timeslots") and not has(actor, "edit_own_timeslots"):
        raise PermissionDenied
    reason = bounded(reason, field="reason", label="Reason")
    if not isinstance(location, _Keep):
        location = bounded(location.strip(), field="location", label="Location", limit=200)
    with service_atomic():
        ts = lock_timeslot(timeslot, actor)
        result = TimeslotChange(timeslot=ts)
        old = {
            "staff": ts.staff,
            "start_date": ts.start_date,
            "end_date": ts.end_date,
            "times": _times(ts.start_time, ts.end_time),
            "days": ts.weekday_numbers,
            "capacity": ts.capacity,
            "pricing": ts.pricing_schedule,
            "location": ts.location,
        }

        if not isinstance(staff, _Keep) and staff.pk != ts.staff_id:
            if not has(actor, "manage_timeslots"):
                raise PermissionDenied  # a Provider cannot hand a timeslot to someone else
            if not staff.is_active:
                raise DomainError("Choose a staff member who can log in.", field="staff")
            ts.staff = staff
        if not isinstance(start_time, _Keep):
            ts.start_time = start_time
        if not isinstance(end_time, _Keep):
            ts.end_time = end_time
        if ts.end_time <= ts.start_time:
            raise DomainError(
                "The end time must be after the start time (same day).", field="end_time"
            )
        if not isinstance(start_date, _Keep):
            ts.start_date = start_date
        if ts.is_one_time:
            ts.end_date, days = ts.start_date, []
        else:
            if not isinstance(end_date, _Keep):
                ts.end_date = end_date
            days = ts.weekday_numbers if isinstance(weekdays, _Keep) else _weekdays(weekdays)
            if not days:
                raise DomainError(
                    "Choose the days of the week of a weekly timeslot.", field="weekdays"
                )
            ts.weekdays = "".join(str(d) for d in days)
        if ts.end_date is not None and ts.end_date < ts.start_date:
            raise DomainError("The End Date is before the Start Date.", field="end_date")
        if not isinstance(capacity, _Keep):
            if isinstance(capacity, bool) or not isinstance(capacity, int):
                raise DomainError("Capacity is a whole number.", field="capacity")
            if not 1 <= capacity <= MAX_CAPACITY:
                raise DomainError(f"Capacity is from 1 to {MAX_CAPACITY:,}.", field="capacity")
            ts.capacity = capacity
        if not isinstance(pricing_schedule, _Keep) and pricing_schedule != old["pricing"]:
            if pricing_schedule is not None and (
                not pricing_schedule.active or pricing_schedule.for_booking
            ):
                raise DomainError(
                    "That pricing schedule is no longer in use: choose another.",
                    field="pricing_schedule",
                )
            ts.pricing_schedule = pricing_schedule
        if not isinstance(location, _Keep):
            ts.location = location

        today = today or local_today(ts.time_zone)
        horizon = window_end(today)
        now = timezone.now()
        # Today's and later occurrences, locked; those already started are left as they were.
        rows = list(
            Occurrence.objects.select_for_update()
            .filter(timeslot=ts, date__gte=today)
            .order_by("pk")
        )
        by_date = {o.date: o for o in rows}
        future = [o for o in rows if o.starts_at > now]
        wanted = {
            d
            for d in timeslot_dates(ts, today, horizon)
            if d not in by_date or by_date[d].starts_at > now
        }
        removed = [o for o in future if not o.cancelled and o.date not in wanted]
        _refuse_booked_removals([o for o in removed if o.taken], ts, days)
        kept = [o for o in future if o.date in wanted and not o.cancelled]
        fullest = max(kept, key=lambda o: (o.taken, -o.date.toordinal()), default=None)
        if fullest is not None and fullest.taken > ts.capacity:
            raise DomainError(
                f"Capacity can not go below {fullest.taken}: {seats_label(fullest.taken)} "
                f"{'is' if fullest.taken == 1 else 'are'} booked on {day_label(fullest.date)}.",
                field="capacity",
            )

        # What changed, in the words of the form.
        if ts.staff_id != old["staff"].pk:
            result.changes.append(f"Staff {_name(old['staff'])} -> {ts.staff_name}")
        new_times = _times(ts.start_time, ts.end_time)
        if new_times != old["times"]:
            result.changes.append(f"Time {old['times']} -> {new_times}")
        if ts.start_date != old["start_date"]:
            result.changes.append(
                f"Start Date {day_label(old['start_date'])} -> {day_label(ts.start_date)}"
            )
        if ts.end_date != old["end_date"] and not ts.is_one_time:
            before = day_label(old["end_date"]) if old["end_date"] else "none"
            result.changes.append(
                f"End Date {before} -> {day_label(ts.end_date) if ts.end_date else 'none'}"
            )
        if days != old["days"] and not ts.is_one_time:
            result.changes.append(f"Days {_days(old['days'])} -> {_days(days)}")
        if ts.capacity != old["capacity"]:
            result.changes.append(f"Capacity {old['capacity']} -> {ts.capacity}")
        if ts.pricing_schedule != old["pricing"]:
            result.changes.append(
                f"Pricing schedule {old['pricing'] or 'the type default'} -> "
                f"{ts.pricing_schedule or 'the type default'}"
            )
        if ts.location != old["location"]:
            result.changes.append(
                f"Location {old['location'] or 'none'} -> {ts.location or 'none'}"
            )
        if not result.changes:
            return result

        # Removed dates: gone, or kept cancelled when seats (all cancelled) remember them.
        result.removed = set_aside(removed)

        # Kept dates: the new time on their own date, the new capacity.
        if new_times != old["times"]:
            for o in kept:
                o.starts_at, o.ends_at = wall_clock_span(ts, o.date)
            Occurrence.objects.bulk_update(kept, ["starts_at", "ends_at"], batch_size=500)
            result.moved = len(kept)
        if ts.capacity != old["capacity"] and kept:
            Occurrence.objects.filter(pk__in=[o.pk for o in kept]).update(capacity=ts.capacity)

        # New dates (and removed-then-wanted-again ones, cancelled before).
        revived = [o for o in future if o.cancelled and o.date in wanted]
        for o in revived:
            o.cancelled, o.capacity = False, max(ts.capacity, o.taken)
            o.starts_at, o.ends_at = wall_clock_span(ts, o.date)
        Occurrence.objects.bulk_update(revived, ["cancelled", "capacity", "starts_at", "ends_at"])
        new = []
        for d in sorted(wanted - set(by_date)):
            starts_at, ends_at = wall_clock_span(ts, d)
            if starts_at <= now:  # a day added today whose time has passed
                continue
            new.append(
                Occurrence(
                    timeslot=ts, date=d, starts_at=starts_at, ends_at=ends_at, capacity=ts.capacity
                )
            )
        new = Occurrence.objects.bulk_create(new, batch_size=1000)
        result.added = len(new) + len(revived)
        ts.generated_until = max(ts.generated_until or horizon, horizon)
        ts.save()
        if new or revived:
            result.rebooked = _book_series_into(ts, [*new, *revived])

        if result.moved and new_times != old["times"]:
            _tell_bookings(actor, ts, kept, old=old["times"], new=new_times, reason=reason)
        audit_record(
            actor=actor,
            target=ts,
            action="timeslot.update",
            summary=result.summary[:500],
            reason=reason,
            data={"changes": result.changes},
        )
    return result


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _tell_bookings(actor, ts, kept, *, old: str, new: str, reason: str) -> None:
    """Each booking with seats on the moved dates says so in its history (old and new time)."""
    counts = Counter(
        Seat.objects.filter(occurrence__in=kept, state=SeatState.BOOKED).values_list(
            "booking_id", flat=True
        )
    )
    if not counts:
        return
    bookings = AppointmentBooking.objects.select_related("student").filter(pk__in=counts)
    for booking in bookings.order_by("pk"):
        n = counts[booking.pk]
        audit_record(
            actor=actor,
            target=booking,
            action="appointment.timeslot_moved",
            summary=(
                f"Timeslot time changed from {old} to {new}: "
                f"{n} booked date{'s' if n != 1 else ''} moved, seat{'s' if n != 1 else ''} kept"
            ),
            reason=reason,
        )


def _book_series_into(ts: Timeslot, occurrences: list[Occurrence]) -> int:
    """Open recurring bookings of the timeslot take a seat on its new dates that fall in their
    own range and days and within the seats they already hold (`generated_until`; the beat
    task books later ones), first booked first, while there is room."""
    series = list(
        AppointmentBooking.objects.select_for_update(of=("self",))
        .filter(
            timeslot=ts,
            frequency=BookingFrequency.RECURRING,
            status__in=OPEN_STATUSES,
            generated_until__isnull=False,
        )
        .order_by("pk")
    )
    if not series:
        return 0
    seats, full = [], Counter()
    for o in sorted(occurrences, key=lambda o: o.date):
        for booking in series:
            if not (booking.start_date <= o.date <= booking.generated_until):
                continue
            if booking.end_date is not None and o.date > booking.end_date:
                continue
            if o.date.weekday() not in booking.weekday_numbers:
                continue
            if o.taken >= o.capacity:
                full[booking.pk] += 1
                continue
            o.taken += 1
            seats.append(Seat(booking=booking, occurrence=o))
    if not seats:
        return 0
    Seat.objects.bulk_create(seats, ignore_conflicts=True)
    Occurrence.objects.bulk_update({s.occurrence for s in seats}, ["taken"])
    per_booking = Counter(s.booking.pk for s in seats)
    for booking in series:
        if per_booking[booking.pk] or full[booking.pk]:
            summary = f"Timeslot changed: booked on {per_booking[booking.pk]} new date(s)"
            if full[booking.pk]:
                summary += f"; {full[booking.pk]} new date(s) full, not booked"
            audit_record(actor=None, target=booking, action="appointment.extend", summary=summary)
    return len(seats)
