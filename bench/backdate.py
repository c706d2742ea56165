"""Backdating pages at 200,000 orders holding 1,000,000 sessions (issue 11, `make bench-backdate`):

    DATABASE_URL=postgres://…/td_bench python bench/backdate.py [--requests 100]

Needs only a migrated PostgreSQL database. The first run generates its own data in SQL
(INSERT … SELECT generate_series, a few seconds): 200 consultants with two daily timeslots
each from a year ago to 13 months ahead (~300,000 occurrences), 100,000 clients, 200,000
orders of 1 to 9 sessions (1,000,000 sessions; 40 % used up, the rest part-used) spread over
three years, and a session row for every used session (~600,000). Later runs reuse it
(marker: the appointment type "Bench backdate service").

Then it measures, through the Django test Client as an Admin, the server time of "Unused
Sessions" (first page, a deep page, a client search, an order number), an order's session
list, and "Show Available Timeslots" (the HTMX partial of the booking calendar), and prints
p50 / p95 against the 100 ms budget (exit status 1 when a p95 is over it).
"""

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402

BUDGET_MS = 100
MARKER = "Bench backdate service"
CONSULTANTS = 200
CLIENTS = 100_000
ORDERS = 200_000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def generate() -> None:
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from appointments.models import AppointmentType, Timeslot
    from appointments.recurrence import local_today, window_end
    from appointments.states import Frequency

    if AppointmentType.objects.filter(name=MARKER).exists():
        print("Bench data already there.")
        return
    started = time.perf_counter()
    today = local_today()
    first = today - datetime.timedelta(days=365)
    last = window_end(today)
    with transaction.atomic():
        service = AppointmentType.objects.create(name=MARKER, duration_minutes=60)
        users = User.objects.bulk_create(
            User(
                username=f"bench_bd_{n}",
                first_name=f"Consultant{n}",
                last_name="Bench",
                password="!",
            )
            for n in range(CONSULTANTS)
        )
        Timeslot.objects.bulk_create(
            Timeslot(
                staff=user,
                appointment_type=service,
                frequency=Frequency.WEEKLY,
                weekdays="0123456",
                start_date=first,
                start_time=datetime.time(hour, 0),
                end_time=datetime.time(hour + 1, 0),
                capacity=1,
                location="BENCH-BD",
                generated_until=last,
            )
            for user in users
            for hour in (10, 15)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO appointments_occurrence
                    (timeslot_id, date, starts_at, ends_at, capacity, taken, cancelled)
                SELECT t.id, d::date,
                       (d::date + t.start_time) AT TIME ZONE t.time_zone,
                       (d::date + t.end_time) AT TIME ZONE t.time_zone,
                       1, 0, false
                FROM appointments_timeslot t
                CROSS JOIN generate_series(%s::date, %s::date, interval '1 day') d
                WHERE t.appointment_type_id = %s
                """,
                [first, last, service.pk],
            )
            print(f"occurrences: {cursor.rowcount:,}")
            cursor.execute(
                """
                INSERT INTO contacts_contact
                    (first_name, last_name, email, mobile, search_text, created_at)
                SELECT f, l, '', '', lower(f || ' ' || l), now()
                FROM generate_series(1, %s) i,
                     LATERAL (SELECT initcap(substr(md5(i::text), 1, 7)) AS f,
                                     initcap(substr(md5((i * 7)::text), 3, 9)) AS l) names
                RETURNING id
                """,
                [CLIENTS],
            )
            contact_ids = [row[0] for row in cursor.fetchall()]
            lo, hi = min(contact_ids), max(contact_ids)
            # sizes 1..9 in turn: 200,000 orders x 5 on average = 1,000,000 sessions
            cursor.execute(
                """
                INSERT INTO appointments_pack
                    (kind, contact_id, appointment_type_id, size, used, valid_from, notes,
                     created_at)
                SELECT 'order', %s + (i * 7919) %% (%s - %s + 1), %s,
                       1 + i %% 9,
                       CASE WHEN i %% 5 < 2 THEN 1 + i %% 9 ELSE (i / 9) %% (1 + i %% 9) END,
                       %s::date - 400, '',
                       now() - make_interval(mins => (%s - i) * 8)
                FROM generate_series(1, %s) i
                """,
                [lo, hi, lo, service.pk, today, ORDERS, ORDERS],
            )
            cursor.execute(
                "SELECT min(o.id), max(o.id) FROM appointments_occurrence o "
                "JOIN appointments_timeslot t ON t.id = o.timeslot_id "
                "WHERE t.appointment_type_id = %s AND o.date < %s",
                [service.pk, today],
            )
            occ_lo, occ_hi = cursor.fetchone()
            cursor.execute(
                """
                INSERT INTO sessions_backdate_ordersession
                    (pack_id, number, occurrence_id, state, attendance, backdated, booked_at)
                SELECT p.id, n, %s + (p.id * 31 + n) %% (%s - %s + 1), 'booked', 'attended',
                       true, now()
                FROM appointments_pack p
                CROSS JOIN LATERAL generate_series(1, p.used) n
                WHERE p.appointment_type_id = %s
                """,
                [occ_lo, occ_hi, occ_lo, service.pk],
            )
            print(f"session rows: {cursor.rowcount:,}")
            cursor.execute(
                "SELECT count(*), sum(size), count(*) FILTER (WHERE used < size) "
                "FROM appointments_pack WHERE appointment_type_id = %s",
                [service.pk],
            )
            orders, sessions, unused = cursor.fetchone()
            print(f"orders: {orders:,}, sessions: {sessions:,}, with unused sessions: {unused:,}")
    with connection.cursor() as cursor:
        for table in (
            "appointments_pack",
            "appointments_occurrence",
            "appointments_timeslot",
            "contacts_contact",
            "sessions_backdate_ordersession",
        ):
            cursor.execute(f"ANALYZE {table}")
    print(f"generated in {time.perf_counter() - started:.1f} s")


def cases():
    from django.db.models import F

    from appointments.models import Pack, Timeslot
    from appointments.recurrence import local_today

    service_pk = Timeslot.objects.filter(location="BENCH-BD").values_list(
        "appointment_type_id", flat=True
    )[:1][0]
    orders = Pack.objects.filter(appointment_type_id=service_pk, used__lt=F("size"))
    middle = orders.order_by("pk")[ORDERS // 3]
    big = orders.filter(size=9).order_by("-pk").first()
    consultant = Timeslot.objects.filter(location="BENCH-BD").order_by("pk")[7].staff_id
    today = local_today()
    monday = today - datetime.timedelta(days=today.weekday() + 14)
    book = f"/sessions/orders/{middle.pk}/book/{middle.used + 1}/"
    name = f"{middle.contact.first_name} {middle.contact.last_name}"
    surname = middle.contact.last_name
    return [
        ("My account (baseline: the machine)", "/account/", {}),
        ("Unused Sessions, page 1", "/sessions/unused/", {}),
        ("Unused Sessions, page 40", "/sessions/unused/?page=40", {}),
        ("Unused Sessions, client's name", f"/sessions/unused/?{urlencode({'q': name})}", {}),
        ("Unused Sessions, a surname", f"/sessions/unused/?{urlencode({'q': surname})}", {}),
        ("Unused Sessions, 3 letters", "/sessions/unused/?q=abc", {}),
        ("Unused Sessions, order number", f"/sessions/unused/?q={middle.reference}", {}),
        ("All Sessions for an order (9)", f"/sessions/orders/{big.pk}/", {}),
        (
            "Show Available Timeslots (HTMX)",
            f"{book}?consultant={consultant}&week={monday.isoformat()}",
            {"HTTP_HX_REQUEST": "true"},
        ),
        ("Book Session (calendar page)", book, {}),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    setup_django()
    generate()
    from django.contrib.auth.models import Group, User
    from django.test import Client

    admin, _ = User.objects.get_or_create(username="bench_bd_admin")
    admin.groups.add(Group.objects.get(name="Admin"))
    client = Client()
    client.force_login(admin)
    print(f"\nserver time in ms through the Django test Client, {args.requests} requests each")
    print(f"{'page':40} {'p50':>7} {'p95':>7}  budget {BUDGET_MS} ms")
    over = []
    for name, url, headers in cases():
        for _ in range(3):  # warm-up
            response = client.get(url, **headers)
            assert response.status_code == 200, (url, response.status_code)
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            client.get(url, **headers)
            timings.append((time.perf_counter() - started) * 1000)
        p50, high = statistics.median(timings), p95(timings)
        flag = "" if high < BUDGET_MS else "  OVER"
        print(f"{name:40} {p50:7.1f} {high:7.1f}{flag}")
        if flag:
            over.append(name)
    sys.exit(1 if over else 0)


if __name__ == "__main__":
    main()
