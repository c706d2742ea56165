"""The appointments pages at scale (issue 10): 2,000 staff timeslots with their occurrences
for the 13-month window and 50,000 appointment bookings (with their seats), then the server
time of the Appointments page (a day, a week, a week filtered by staff), the "Create
Appointment Booking" timeslot list and an appointment booking's page, each over N requests
with the Django test client (in-process: the server's time, no network).

    DATABASE_URL=postgres://…/td_bench python bench/appointments_pages.py [--requests 50]

Needs only a migrated PostgreSQL database. The data is made once (COPY, about a minute) and
kept, marked by the appointment type "Bench lesson 0"; later runs reuse it (`--fresh` for
new data on top). Nothing here goes through the booking service: the rows are written as
the service would leave them (occurrence `taken` = its booked seats), so the pages read
what they read in production.
"""

import argparse
import datetime
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402

TIMESLOTS = 2_000
BOOKINGS = 50_000
STAFF = 60
WARMUP = 3


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _copy(table: str, columns: list[str], rows) -> int:
    from django.db import connection

    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        cursor.execute(f"ANALYZE {table}")
    return count


def _next_ids(table: str, n: int) -> int:
    """Reserve `n` ids of `table`'s sequence; the first one."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT max(id) FROM {table}), 0) + %s)",
            [n],
        )
        last = cursor.fetchone()[0]
    return last - n + 1


def make_data(rng: random.Random, log=print) -> None:
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from appointments.models import AppointmentType, PricingSchedule, Timeslot
    from appointments.recurrence import local_span, local_today, timeslot_dates, window_end
    from appointments.states import BookingFrequency, BookingStatus, Frequency
    from core.roles import Role

    started = time.perf_counter()
    run = f"{int(time.time()) % 100000}"
    provider = Group.objects.get(name=Role.PROVIDER)
    staff = User.objects.bulk_create(
        User(username=f"bench.staff.{run}.{i}", first_name=f"Staff{i}", last_name=f"Bench{run}")
        for i in range(STAFF)
    )
    provider.user_set.add(*staff)
    price = PricingSchedule.objects.create(name=f"Bench rate {run}", basis="per_lesson", amount=30)
    types = [
        AppointmentType.objects.get_or_create(
            name=f"Bench lesson {i}" if i else "Bench lesson 0",
            defaults={"capacity": 1 if i % 3 else 4, "pricing_schedule": price},
        )[0]
        for i in range(12)
    ]
    today = local_today()
    start = today - datetime.timedelta(days=today.weekday() + 28)
    until = window_end(today)
    slots = []
    for i in range(TIMESLOTS):
        kind = types[i % len(types)]
        hour, minute = 8 + (i // 12) % 12, (i * 5) % 60
        days = sorted(rng.sample(range(6), rng.choice((1, 1, 2, 3))))
        slots.append(
            Timeslot(
                staff=staff[i % STAFF],
                appointment_type=kind,
                frequency=Frequency.WEEKLY,
                weekdays="".join(map(str, days)),
                start_date=start,
                start_time=datetime.time(hour, minute),
                end_time=datetime.time(
                    hour + (1 if kind.capacity > 1 else 0), minute + 4 if minute < 55 else 59
                ),
                time_zone="Europe/London",
                capacity=kind.capacity,
                generated_until=until,
            )
        )
    slots = Timeslot.objects.bulk_create(slots)
    log(f"  {len(slots):,} timeslots, {STAFF} staff")

    # Occurrences in memory first: the bookings below fill them, then both are copied.
    occurrences = []  # [id, timeslot_id, date, starts_at, ends_at, capacity, taken]
    by_slot: dict[int, list[list]] = {}
    for slot in slots:
        for day in timeslot_dates(slot, start, until):
            starts, ends = local_span(day, slot.start_time, slot.end_time, slot.time_zone)
            row = [0, slot.pk, day, starts, ends, slot.capacity, 0]
            occurrences.append(row)
            by_slot.setdefault(slot.pk, []).append(row)
    first = _next_ids("appointments_occurrence", len(occurrences))
    for n, row in enumerate(occurrences):
        row[0] = first + n

    students = _next_ids("contacts_contact", BOOKINGS // 5)
    now = timezone.now()
    _copy(
        "contacts_contact",
        ["id", "first_name", "last_name", "email", "mobile", "search_text", "created_at"],
        (
            (students + i, f"Pupil{i}", f"Bench{run}", "", "", f"pupil{i} bench{run}", now)
            for i in range(BOOKINGS // 5)
        ),
    )
    bookings = []
    booking_id = _next_ids("appointments_appointmentbooking", BOOKINGS)
    seat_rows = []
    slot_ids = [s.pk for s in slots]
    made = 0
    while made < BOOKINGS:
        slot_pk = rng.choice(slot_ids)
        rows = by_slot[slot_pk]
        at = rng.randrange(len(rows))
        recurring = rng.random() < 0.3
        chosen = [r for r in rows[at : at + (8 if recurring else 1)] if r[6] < r[5]]
        if not chosen:
            continue
        for r in chosen:
            r[6] += 1
            seat_rows.append((booking_id + made, r[0]))
        bookings.append(
            (
                booking_id + made,
                students + made % (BOOKINGS // 5),
                slot_pk,
                BookingFrequency.RECURRING if recurring else BookingFrequency.NON_RECURRING,
                chosen[0][2],
                chosen[-1][2],
                "",
                price.pk,
                BookingStatus.CONFIRMED,
                "office",
                "",
                now,
            )
        )
        made += 1
    _copy(
        "appointments_occurrence",
        ["id", "timeslot_id", "date", "starts_at", "ends_at", "capacity", "taken", "cancelled"],
        (tuple(r) + (False,) for r in occurrences),
    )
    _copy(
        "appointments_appointmentbooking",
        ["id", "student_id", "timeslot_id", "frequency", "start_date", "end_date", "weekdays",
         "pricing_schedule_id", "status", "source", "notes", "created_at"],
        bookings,
    )  # fmt: skip
    seat_id = _next_ids("appointments_seat", len(seat_rows))
    _copy(
        "appointments_seat",
        ["id", "booking_id", "occurrence_id", "state", "attendance"],
        ((seat_id + n, b, o, "booked", "pending") for n, (b, o) in enumerate(seat_rows)),
    )
    log(
        f"  {len(occurrences):,} occurrences, {len(bookings):,} bookings, "
        f"{len(seat_rows):,} seats in {time.perf_counter() - started:.1f} s"
    )


def measure(client, urls, requests: int, htmx: bool = False) -> dict:
    from django.db import connection

    headers = {"HX-Request": "true"} if htmx else {}
    for i in range(WARMUP):
        client.get(urls(i), headers=headers)
    timings, statuses = [], set()
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(urls(0), headers=headers)
    for i in range(requests):
        began = time.perf_counter()
        response = client.get(urls(i), headers=headers)
        timings.append((time.perf_counter() - began) * 1000)
        statuses.add(response.status_code)
    return {
        "median": statistics.median(timings),
        "p95": p95(timings),
        "queries": len(queries),
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--fresh", action="store_true", help="generate the data again")
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth.models import Group, User
    from django.db.models import Count
    from django.test import Client

    from appointments.models import AppointmentBooking, Timeslot
    from appointments.recurrence import local_today
    from core.roles import Role

    rng = random.Random(10)
    if args.fresh or not Timeslot.objects.filter(appointment_type__name="Bench lesson 0").exists():
        print("Generating appointments data:")
        make_data(rng)
    print(
        f"Database: {Timeslot.objects.count():,} timeslots, "
        f"{AppointmentBooking.objects.count():,} appointment bookings"
    )
    admin, created = User.objects.get_or_create(username="bench.appointments.admin")
    if created:
        admin.groups.add(Group.objects.get(name=Role.ADMIN))
    client = Client()
    client.force_login(admin)
    today = local_today()
    days = [today + datetime.timedelta(days=d) for d in range(1, 60)]
    busiest = (Timeslot.objects.values("staff_id").annotate(n=Count("id")).order_by("-n").first())[
        "staff_id"
    ]
    student = AppointmentBooking.objects.order_by("-pk").values_list("student_id", flat=True)[0]
    booking_ids = list(
        AppointmentBooking.objects.filter(frequency="recurring").values_list("pk", flat=True)[:200]
    )
    cases = [
        ("Appointments page, a day", lambda i: f"/appointments/?date={days[i % 59]}", False),
        ("Appointments page, a week",
         lambda i: f"/appointments/?view=week&date={days[i % 59]}", False),
        ("Appointments page, a week of one staff member",
         lambda i: f"/appointments/?view=week&staff={busiest}&date={days[i % 59]}", False),
        ("Appointments page, a day (HTMX swap)",
         lambda i: f"/appointments/?date={days[i % 59]}", True),
        ("Create Appointment Booking: timeslots of a date and its week",
         lambda i: f"/appointments/new/?student={student}&date={days[i % 59]}", False),
        ("Appointment booking page",
         lambda i: f"/appointments/bookings/{booking_ids[i % len(booking_ids)]}/", False),
    ]  # fmt: skip
    print(f"\n{args.requests} requests each (server time, in-process):")
    print(f"{'page':<62} {'median':>8} {'p95':>8} {'queries':>8}")
    for name, urls, htmx in cases:
        result = measure(client, urls, args.requests, htmx)
        bad = "" if result["statuses"] == {200} else f"  statuses {sorted(result['statuses'])}"
        print(
            f"{name:<62} {result['median']:7.1f}ms {result['p95']:7.1f}ms "
            f"{result['queries']:>8}{bad}"
        )


if __name__ == "__main__":
    main()
