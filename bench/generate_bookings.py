"""Bookings at the spec's scale: 1,000,000 booking places (SPEC 10), on top of bench/generate.py.

About 385,000 bookings: 60 % single students, 40 % organisation bookings of 2-8 delegates (the
delegates and lead booker are members of the organisation; the generator widens each
organisation to a pool of 20 members). Every place has its attendance row per timetable session
(Pending ahead, Attended / Absent in the past, Cancelled for cancelled places) and every booking
its "booking.created" history entry. Schedules get `places_taken` from their booked places and
enough capacity for them (a few are left exactly full). Written with COPY; no invoices or
emails (their generators add those).
"""

from datetime import timedelta
from decimal import Decimal

PLACES = 1_000_000
ORG_POOL = 20
INDIVIDUAL_SHARE = 0.6
CANCELLED_SHARE = 0.05
GROUP_SIZES = [2, 2, 3, 3, 4, 4, 5, 6, 7, 8]


def _ids(sql: str) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def generate(ctx) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from bookings.models import Booking

    if Booking.objects.exists():
        ctx.log("  bookings already generated: skipped (generate.py --reset empties them)")
        return
    rng = ctx.rng
    target = ctx.n(PLACES)
    now = ctx.now

    contacts = [row[0] for row in _ids("SELECT id FROM contacts_contact ORDER BY id")]
    schedules = _ids(
        "SELECT id, start_at, end_at, price, vat_rate FROM schedules_schedule ORDER BY id"
    )
    sessions: dict[int, list[int]] = {}
    for sid, schedule_id in _ids("SELECT id, schedule_id FROM schedules_timetablesession"):
        sessions.setdefault(schedule_id, []).append(sid)
    admin_id = _ids("SELECT id FROM auth_user WHERE username = 'bench.admin'")[0][0]

    with transaction.atomic():
        # Organisations: a pool of members each (existing members first).
        members: dict[int, list[int]] = {}
        for org_id, contact_id in _ids(
            "SELECT organisation_id, contact_id FROM contacts_membership ORDER BY id"
        ):
            members.setdefault(org_id, []).append(contact_id)
        new_memberships = []
        for org_id, pool in members.items():
            have = set(pool)
            while len(pool) < ORG_POOL:
                c = rng.choice(contacts)
                if c not in have:
                    have.add(c)
                    pool.append(c)
                    new_memberships.append((org_id, c, "", now))
        ctx.copy_rows(
            "contacts_membership",
            ["organisation_id", "contact_id", "job_title", "created_at"],
            new_memberships,
        )
        orgs = sorted(members)

        (next_booking,) = _ids("SELECT coalesce(max(id), 0) + 1 FROM bookings_booking")[0]
        (next_place,) = _ids("SELECT coalesce(max(id), 0) + 1 FROM bookings_bookingplace")[0]
        booked_pairs: set[int] = set()  # schedule_id * 10**7 + contact_id, booked places only
        bookings, places, attendance, audit = [], [], [], []
        booking_ct = ContentType.objects.get_for_model(Booking).pk
        written = 0

        def flush():
            ctx.copy_rows(
                "bookings_booking",
                ["id", "kind", "status", "schedule_id", "organisation_id",
                 "lead_booker_id", "contact_id", "po_number", "notes", "unit_price", "vat_rate",
                 "discount_kind", "discount_value", "discount_reason", "places_bought",
                 "cancel_reason", "created_by_id", "created_at", "updated_at"],
                bookings,
            )  # fmt: skip
            ctx.copy_rows(
                "bookings_bookingplace",
                ["id", "booking_id", "contact_id", "schedule_id", "state", "unit_net",
                 "cancel_reason", "cancelled_at", "created_at"],
                places,
            )  # fmt: skip
            ctx.copy_rows(
                "bookings_attendance",
                ["place_id", "session_id", "status", "updated_at"],
                attendance,
            )
            ctx.copy_rows(
                "core_auditevent",
                ["at", "actor_id", "action", "summary", "reason", "data", "target_type_id",
                 "target_id"],
                audit,
            )  # fmt: skip
            bookings.clear(), places.clear(), attendance.clear(), audit.clear()

        while written < target:
            schedule_id, start_at, end_at, price, vat_rate = rng.choice(schedules)
            individual = rng.random() < INDIVIDUAL_SHARE
            if individual:
                org_id, lead_id = None, None
                people = [rng.choice(contacts)]
            else:
                org_id = rng.choice(orgs)
                pool = members[org_id]
                lead_id = pool[0]
                people = rng.sample(pool[1:], min(len(pool) - 1, rng.choice(GROUP_SIZES)))
            people = [p for p in people if schedule_id * 10**7 + p not in booked_pairs]
            if not people:
                continue
            booking_id = next_booking
            next_booking += 1
            created = min(start_at - timedelta(days=rng.randint(1, 90)), now)
            cancelled = rng.random() < CANCELLED_SHARE
            if cancelled:
                status = "cancelled"
            elif end_at < now:
                status = "completed" if rng.random() < 0.95 else "noshow"
            else:
                status = "confirmed"
            discount = rng.random() < 0.1
            unit_net = (price * Decimal("0.90")).quantize(Decimal("0.01")) if discount else price
            bookings.append(
                (
                    booking_id,  # the reference (BK000123) is computed by the database
                    "individual" if individual else "group",
                    status,
                    schedule_id,
                    org_id,
                    lead_id,
                    people[0] if individual else lead_id,
                    f"PO-{booking_id}" if rng.random() < 0.3 else "",
                    "",
                    price,
                    vat_rate,
                    "percent" if discount else "",
                    Decimal("10.00") if discount else Decimal("0.00"),
                    "Returning customer" if discount else "",
                    0,
                    "Plans changed" if cancelled else "",
                    admin_id,
                    created,
                    created,
                )
            )
            audit.append(
                (
                    created,
                    admin_id,
                    "booking.created",
                    f"Booked {len(people)} on schedule",
                    "",
                    "{}",
                    booking_ct,
                    booking_id,
                )  # fmt: skip
            )
            state = "cancelled" if cancelled else "booked"
            for person in people:
                if not cancelled:
                    booked_pairs.add(schedule_id * 10**7 + person)
                places.append(
                    (
                        next_place,
                        booking_id,
                        person,
                        schedule_id,
                        state,
                        unit_net,
                        "Plans changed" if cancelled else "",
                        created if cancelled else None,
                        created,
                    )  # fmt: skip
                )
                for session_id in sessions.get(schedule_id, ()):
                    if cancelled:
                        mark = "cancelled"
                    elif end_at < now:
                        mark = "attended" if rng.random() < 0.9 else "absent"
                    else:
                        mark = "pending"
                    attendance.append((next_place, session_id, mark, created))
                next_place += 1
            written += len(people)
            if len(places) >= 50_000:
                flush()
        flush()

        with connection.cursor() as cursor:
            for table in ("bookings_booking", "bookings_bookingplace", "bookings_attendance"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            # Capacity counts booked places; every 20th schedule is left exactly full.
            cursor.execute(
                """
                UPDATE schedules_schedule s
                SET places_taken = c.n,
                    capacity = CASE WHEN s.id % 20 = 0 THEN c.n
                                    ELSE greatest(s.capacity, c.n + 2) END
                FROM (SELECT schedule_id, count(*) AS n FROM bookings_bookingplace
                      WHERE state = 'booked' GROUP BY schedule_id) c
                WHERE s.id = c.schedule_id
                """
            )
    # Bulk-loaded tables have no visibility map yet: vacuum as autovacuum eventually would, so
    # the measured plans are the steady state's (index-only scans of the places).
    connection.ensure_connection()
    autocommit = connection.get_autocommit()
    connection.set_autocommit(True)
    try:
        with connection.cursor() as cursor:
            for table in (
                "bookings_booking",
                "bookings_bookingplace",
                "bookings_attendance",
                "contacts_membership",
                "core_auditevent",
                "schedules_schedule",
            ):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
    finally:
        connection.set_autocommit(autocommit)
    counts = _ids(
        "SELECT (SELECT count(*) FROM bookings_booking), (SELECT count(*) FROM "
        "bookings_bookingplace), (SELECT count(*) FROM bookings_attendance)"
    )[0]
    ctx.log(f"  {counts[0]:,} bookings, {counts[1]:,} places, {counts[2]:,} attendance rows")
