"""Demo bookings, made through the real services (invoices, outbox emails, history and all).

Called at the end of `manage.py demo_data` (core), after contacts and schedules exist.
"""

import random
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from contacts.models import Contact, Organisation
from core.errors import DomainError
from schedules.models import Schedule

from . import services
from .models import Booking, BookingType


def seed(*, stdout=None) -> dict[str, int]:
    rng = random.Random(4)
    admin = User.objects.get(username="admin")
    now = timezone.now()
    schedules = list(Schedule.objects.select_related("course").order_by("start_at", "pk"))
    if not schedules or Booking.objects.exists():
        return {}
    upcoming = [s for s in schedules if s.start_at > now]
    past = [s for s in schedules if s.end_at < now]
    booked: set[tuple[int, int]] = set()
    made: list[Booking] = []

    def book(**kwargs) -> Booking | None:
        people = kwargs.get("delegates") or [kwargs.get("student")]
        schedule = kwargs["schedule"]
        if any((schedule.pk, p.pk) in booked for p in people):
            return None
        try:
            booking = services.booking_create(actor=admin, **kwargs)
        except DomainError:
            return None  # full schedule: skip, the demo does not need every one
        booked.update((schedule.pk, p.pk) for p in people)
        made.append(booking)
        return booking

    # The portal logins: Chloe Evans (own bookings) and the Thompson family's children.
    chloe = Contact.objects.filter(user__username="student").first()
    if chloe is not None:
        for schedule in (past[:1] + upcoming[:2]) if past else upcoming[:2]:
            book(kind=BookingType.INDIVIDUAL, schedule=schedule, student=chloe, po_number="")
    for kid in Contact.objects.filter(family__user__username="family").order_by("pk"):
        if upcoming:
            book(kind=BookingType.INDIVIDUAL, schedule=rng.choice(upcoming), student=kid)

    # Individual students across past and upcoming schedules.
    adults = list(
        Contact.objects.filter(family__isnull=True, user__isnull=True)
        .exclude(email="")
        .order_by("pk")[:120]
    )
    for i, student in enumerate(rng.sample(adults, min(24, len(adults)))):
        pool = past if (i % 3 == 0 and past) else upcoming or schedules
        kwargs = {"kind": BookingType.INDIVIDUAL, "schedule": rng.choice(pool), "student": student}
        if i % 5 == 0:
            kwargs["po_number"] = f"PO-{4100 + i}"
        if i % 7 == 3:
            kwargs.update(
                discount_kind="percent",
                discount_value=Decimal("10"),
                discount_reason="Returning student",
            )
        book(**kwargs)

    # Group bookings: each organisation books 2-4 of its members, led by another member.
    for n, org in enumerate(Organisation.objects.prefetch_related("contacts").order_by("pk")):
        members = sorted(org.contacts.all(), key=lambda c: c.pk)
        if len(members) < 3:
            continue
        lead, *others = members
        delegates = rng.sample(others, min(len(others), rng.randint(2, 4)))
        pool = past if (n % 4 == 0 and past) else upcoming or schedules
        kwargs = {
            "kind": BookingType.GROUP,
            "schedule": rng.choice(pool),
            "organisation": org,
            "lead_booker": lead,
            "delegates": delegates,
        }
        if n % 2 == 0:
            kwargs["po_number"] = f"PO-{org.name.split()[0].upper()}-{900 + n}"
        if n % 5 == 1:
            kwargs.update(
                discount_kind="fixed", discount_value=Decimal("50.00"), discount_reason="Framework"
            )
        booking = book(**kwargs)
        if booking is None:
            continue
        if n == 2 and booking.places.count() > 2:  # one delegate dropped out
            services.booking_cancel_delegates(
                actor=admin,
                booking=booking,
                place_ids=[booking.places.order_by("pk").last().pk],
                reason="Delegate left the company",
            )
        if n == 3 and not booking.po_number:  # PO number sent in after booking
            services.booking_update_po_number(actor=admin, booking=booking, po_number="PO-77123")

    # A placeholder: an organisation buys five places and names one delegate so far.
    placeholder = _demo_placeholder(admin=admin, upcoming=upcoming, booked=booked)
    if placeholder is not None:
        made.append(placeholder)

    # A delegate moved to a later run of another course, with a transfer fee.
    _demo_transfer(admin=admin, made=made, upcoming=upcoming, now=now)

    # Past confirmed bookings are completed; one was a no-show.
    past_ids = [b.pk for b in made if b.schedule.end_at < now]
    for i, booking in enumerate(Booking.objects.filter(pk__in=past_ids).order_by("pk")):
        if i == 1:
            services.booking_mark_noshow(actor=admin, booking=booking, reason="Did not attend")
        else:
            services.booking_complete(actor=admin, booking=booking, reason="Course finished")

    counts = {
        "bookings": len(made),
        "individual": sum(1 for b in made if b.kind == BookingType.INDIVIDUAL),
        "group": sum(1 for b in made if b.kind == BookingType.GROUP),
        "placeholder": sum(1 for b in made if b.kind == BookingType.PLACEHOLDER),
    }
    if stdout is not None:
        stdout.write(
            f"Demo bookings: {counts['bookings']} ({counts['individual']} individual, "
            f"{counts['group']} group, {counts['placeholder']} placeholder)."
        )
    return counts


def _demo_placeholder(*, admin, upcoming, booked) -> Booking | None:
    for org in Organisation.objects.prefetch_related("contacts").order_by("-pk"):
        members = sorted(org.contacts.all(), key=lambda c: c.pk)
        for schedule in upcoming:
            free = [m for m in members if (schedule.pk, m.pk) not in booked]
            if schedule.capacity - schedule.places_taken < 6 or len(free) < 2:
                continue
            try:
                booking = services.placeholder_buy(
                    actor=admin,
                    schedule=schedule,
                    organisation=org,
                    places=5,
                    lead_booker=free[0],
                    po_number=f"PO-{org.name.split()[0].upper()}-PLACES",
                )
                services.placeholder_assign(actor=admin, booking=booking, contact=free[1])
            except DomainError:
                continue
            booked.add((schedule.pk, free[1].pk))
            return booking
    return None


def _demo_transfer(*, admin, made, upcoming, now) -> None:
    for booking in made:
        if booking.kind != BookingType.INDIVIDUAL or booking.has_discount:
            continue
        if booking.schedule.start_at <= now:
            continue
        place = booking.places.first()
        targets = [
            s
            for s in upcoming
            if s.course_id != booking.schedule.course_id and s.start_at > booking.schedule.start_at
        ]
        for target in targets[:5]:
            try:
                services.booking_place_transfer(
                    actor=admin,
                    booking=booking,
                    place_id=place.pk,
                    schedule=target,
                    fee_net=Decimal("25.00"),
                    reason="Asked to move to a later course",
                )
            except DomainError:
                continue
            return
