"""The setup side of appointments (SPEC 1 and 8): appointment types and pricing schedules.

Admins only (capability `manage_timeslots`). Timeslot edits and deletes, which Providers may
also make to their own timeslots, are in `timeslot_edit`.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied

from core.access import has
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import MAX_AMOUNT, q
from core.transactions import service_atomic

from ..models import AppointmentType, PricingSchedule
from ..states import PricingBasis

MAX_CAPACITY = 1000
MAX_DURATION = 12 * 60


def _may_set_up(actor: Actor) -> None:
    if not has(actor, "manage_timeslots"):
        raise PermissionDenied


def _name(value: str, *, what: str) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise DomainError(f"Enter the {what} name.", field="name")
    if len(name) > 200:
        raise DomainError("Use at most 200 characters.", field="name")
    return name


def _whole(value, *, field: str, label: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(f"{label} is a whole number.", field=field)
    if not low <= value <= high:
        raise DomainError(f"{label} is from {low:,} to {high:,}.", field=field)
    return value


# --- pricing schedules ------------------------------------------------------------------------


def _pricing_fields(
    *, name: str, basis: str, amount: Decimal, vat_rate: Decimal, lessons: int | None
) -> dict:
    if basis not in PricingBasis.values:
        raise DomainError("Choose per lesson, per month or per package.", field="basis")
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise DomainError("Enter the amount in pounds and pence.", field="amount")
    if amount < 0 or amount > MAX_AMOUNT or amount != q(amount):
        raise DomainError(
            f"Enter an amount from £0.00 to £{MAX_AMOUNT:,}, in pounds and pence.", field="amount"
        )
    if not isinstance(vat_rate, Decimal) or not vat_rate.is_finite() or not 0 <= vat_rate < 1:
        raise DomainError("Give the VAT rate as a fraction, e.g. 0.2000 for 20%.", field="vat_rate")
    if basis == PricingBasis.PER_PACKAGE:
        if lessons is None:
            raise DomainError("Enter how many lessons the package has.", field="lessons")
        lessons = _whole(lessons, field="lessons", label="Lessons", low=1, high=1000)
    else:
        lessons = None  # only a package counts lessons
    return {
        "name": _name(name, what="pricing schedule"),
        "basis": basis,
        "amount": q(amount),
        "vat_rate": vat_rate.quantize(Decimal("0.0001")),
        "lessons": lessons,
    }


def _describe_pricing(p: PricingSchedule) -> str:
    per = f"per package of {p.lessons} lessons" if p.is_per_package else p.basis_label.lower()
    return f"{p.name}: £{p.amount:,} {per}, VAT {p.vat_rate * 100:.2f}%"


def pricing_schedule_create(
    *,
    actor: Actor,
    name: str,
    basis: str,
    amount: Decimal,
    vat_rate: Decimal = Decimal("0.2000"),
    lessons: int | None = None,
) -> PricingSchedule:
    """A pricing schedule offered for appointment types, timeslots and bookings."""
    _may_set_up(actor)
    fields = _pricing_fields(
        name=name, basis=basis, amount=amount, vat_rate=vat_rate, lessons=lessons
    )
    with service_atomic():
        schedule = PricingSchedule.objects.create(**fields)
        audit_record(
            actor=actor,
            target=schedule,
            action="pricing.create",
            summary=f"Added pricing schedule {_describe_pricing(schedule)}",
        )
    return schedule


def _lock_pricing(schedule: PricingSchedule) -> PricingSchedule:
    locked = PricingSchedule.objects.select_for_update().filter(pk=schedule.pk).first()
    if locked is None or locked.for_booking:
        raise DomainError("That pricing schedule does not exist.")
    return locked


def pricing_schedule_update(
    *,
    actor: Actor,
    pricing_schedule: PricingSchedule,
    name: str,
    basis: str,
    amount: Decimal,
    vat_rate: Decimal,
    lessons: int | None = None,
) -> PricingSchedule:
    """Change a pricing schedule. Charges already posted keep their amounts (they are
    documents); bookings on it are charged the new amount from now on."""
    _may_set_up(actor)
    fields = _pricing_fields(
        name=name, basis=basis, amount=amount, vat_rate=vat_rate, lessons=lessons
    )
    with service_atomic():
        schedule = _lock_pricing(pricing_schedule)
        before = _describe_pricing(schedule)
        for key, value in fields.items():
            setattr(schedule, key, value)
        schedule.save(update_fields=[*fields])
        after = _describe_pricing(schedule)
        if before != after:
            audit_record(
                actor=actor,
                target=schedule,
                action="pricing.update",
                summary=f"Pricing schedule {before} -> {after}"[:500],
            )
    return schedule


def pricing_schedule_set_active(
    *, actor: Actor, pricing_schedule: PricingSchedule, active: bool
) -> PricingSchedule:
    """Deactivate (no longer offered for new bookings, timeslots or types; bookings already
    on it keep it) or reactivate a pricing schedule."""
    _may_set_up(actor)
    with service_atomic():
        schedule = _lock_pricing(pricing_schedule)
        if schedule.active == active:
            state = "in use" if active else "already deactivated"
            raise DomainError(f"{schedule.name} is {state}.")
        schedule.active = active
        schedule.save(update_fields=["active"])
        audit_record(
            actor=actor,
            target=schedule,
            action="pricing.activate" if active else "pricing.deactivate",
            summary=f"{'Reactivated' if active else 'Deactivated'} pricing schedule "
            f"{schedule.name}",
        )
    return schedule


def pricing_schedule_deactivate(
    *, actor: Actor, pricing_schedule: PricingSchedule
) -> PricingSchedule:
    return pricing_schedule_set_active(actor=actor, pricing_schedule=pricing_schedule, active=False)


# --- appointment types ------------------------------------------------------------------------


def _type_fields(
    *,
    name: str,
    duration_minutes: int,
    capacity: int,
    attendees: int,
    pricing_schedule: PricingSchedule | None,
    current: PricingSchedule | None = None,
) -> dict:
    fields = {
        "name": _name(name, what="appointment type"),
        "duration_minutes": _whole(
            duration_minutes,
            field="duration_minutes",
            label="Duration (minutes)",
            low=5,
            high=MAX_DURATION,
        ),
        "capacity": _whole(capacity, field="capacity", label="Capacity", low=1, high=MAX_CAPACITY),
        "attendees": _whole(
            attendees, field="attendees", label="Attendees per session", low=1, high=50
        ),
        "pricing_schedule": pricing_schedule,
    }
    if (
        pricing_schedule is not None
        and pricing_schedule != current
        and (not pricing_schedule.active or pricing_schedule.for_booking)
    ):
        raise DomainError(
            "That pricing schedule is no longer in use: choose another.", field="pricing_schedule"
        )
    return fields


def _name_taken(name: str, exclude: int | None = None) -> bool:
    rows = AppointmentType.objects.filter(name__iexact=name)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.exists()


def _describe_type(t: AppointmentType) -> str:
    kind = "private" if t.capacity == 1 else f"group of up to {t.capacity}"
    return f"{t.name}: {t.duration_minutes} min, {kind}" + (
        f", {t.attendees} attendees per session" if t.attendees > 1 else ""
    )


def appointment_type_create(
    *,
    actor: Actor,
    name: str,
    duration_minutes: int = 30,
    capacity: int = 1,
    attendees: int = 1,
    pricing_schedule: PricingSchedule | None = None,
) -> AppointmentType:
    """A kind of appointment (a private lesson, a group class, a "2 on 1" session)."""
    _may_set_up(actor)
    fields = _type_fields(
        name=name,
        duration_minutes=duration_minutes,
        capacity=capacity,
        attendees=attendees,
        pricing_schedule=pricing_schedule,
    )
    with service_atomic():
        if _name_taken(fields["name"]):
            raise DomainError("Another appointment type already has this name.", field="name")
        appointment_type = AppointmentType.objects.create(**fields)
        audit_record(
            actor=actor,
            target=appointment_type,
            action="appointment_type.create",
            summary=f"Added appointment type {_describe_type(appointment_type)}",
        )
    return appointment_type


def _lock_type(appointment_type: AppointmentType) -> AppointmentType:
    locked = (
        AppointmentType.objects.select_for_update(of=("self",))
        .select_related("pricing_schedule")
        .filter(pk=appointment_type.pk)
        .first()
    )
    if locked is None:
        raise DomainError("That appointment type does not exist.")
    return locked


def appointment_type_update(
    *,
    actor: Actor,
    appointment_type: AppointmentType,
    name: str,
    duration_minutes: int,
    capacity: int,
    attendees: int = 1,
    pricing_schedule: PricingSchedule | None = None,
) -> AppointmentType:
    """Change a type. Its timeslots keep their own times and capacity (each timeslot is
    edited on its own); the new values are the defaults of timeslots added from now on."""
    _may_set_up(actor)
    with service_atomic():
        locked = _lock_type(appointment_type)
        fields = _type_fields(
            name=name,
            duration_minutes=duration_minutes,
            capacity=capacity,
            attendees=attendees,
            pricing_schedule=pricing_schedule,
            current=locked.pricing_schedule,
        )
        if _name_taken(fields["name"], exclude=locked.pk):
            raise DomainError("Another appointment type already has this name.", field="name")
        before = _describe_type(locked)
        before_pricing = locked.pricing_schedule
        for key, value in fields.items():
            setattr(locked, key, value)
        locked.save(update_fields=[*fields])
        changes = []
        if _describe_type(locked) != before:
            changes.append(f"{before} -> {_describe_type(locked)}")
        if before_pricing != locked.pricing_schedule:
            changes.append(
                f"default pricing {before_pricing or 'none'} -> {locked.pricing_schedule or 'none'}"
            )
        if changes:
            audit_record(
                actor=actor,
                target=locked,
                action="appointment_type.update",
                summary=("Appointment type " + "; ".join(changes))[:500],
            )
    return locked


def appointment_type_archive(*, actor: Actor, appointment_type: AppointmentType) -> AppointmentType:
    """Archive a type: no new timeslots of it. Its timeslots and bookings carry on (archive or
    delete those on their own)."""
    _may_set_up(actor)
    with service_atomic():
        locked = _lock_type(appointment_type)
        if not locked.active:
            raise DomainError(f"{locked.name} is already archived.")
        locked.active = False
        locked.save(update_fields=["active"])
        audit_record(
            actor=actor,
            target=locked,
            action="appointment_type.archive",
            summary=f"Archived appointment type {locked.name}",
        )
    return locked
