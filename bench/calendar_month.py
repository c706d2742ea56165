"""The calendar's month view with 5,000 bookings in the month, server time (README
"Benchmarks", docs/notes/wt-calendar.md):

    DATABASE_URL=postgres://…/td_bench python bench/calendar_month.py [--bookings 5000] [--runs 60]

Needs only a migrated PostgreSQL database. Everything the run writes (a month of 3/5 course
bookings on their schedules' timetable sessions and 2/5 appointment bookings on their
occurrences, a few years ahead, so nothing else shares the month) is written in one
transaction that is rolled back at the end: the pages are requested in-process through
Django's test Client on the same connection, so they read the uncommitted rows and nothing is
left behind. Prints p50 / p95 / max of the month, week and day views and their query counts;
exits 1 when the month's p95 is over the budget (150 ms).
"""

import argparse
import datetime
import statistics
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402

BUDGET_MS = 150.0
WARMUP = 5


class Rollback(Exception):
    pass


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def make_month(run: str, bookings: int, first: datetime.date):
    """`bookings` bookings in the month starting `first`: 60 % course bookings (20 per
    schedule, each schedule one or two timetable sessions), 40 % one-date appointment
    bookings (on 12 staff members' weekday timeslots, capacity 4)."""
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from appointments.models import (
        AppointmentBooking,
        AppointmentType,
        Occurrence,
        PricingSchedule,
        Seat,
        Timeslot,
    )
    from bookings.models import Booking
    from contacts.models import Contact
    from core.roles import Role
    from schedules.models import Course, Schedule, TimetableSession, Venue

    zone = timezone.get_current_timezone()
    admin = User.objects.create_user(username=f"calbench-{run}", password="x")
    admin.groups.add(Group.objects.get(name=Role.ADMIN))
    staff = [User.objects.create_user(username=f"calbench-{run}-s{i}") for i in range(12)]
    venue = Venue.objects.create(name=f"Calendar bench {run}")
    course = Course.objects.create(
        code=f"CAL{run}", title=f"Calendar bench {run}",
        default_price=Decimal("100.00"), vat_rate=Decimal("0.2000"),
    )  # fmt: skip
    students = Contact.objects.bulk_create(
        Contact(first_name=f"S{i}", last_name=f"Bench{run}") for i in range(500)
    )
    days = [first + datetime.timedelta(days=d) for d in range(28)]
    course_n = bookings * 3 // 5
    appt_n = bookings - course_n
    schedules = []
    for i in range((course_n + 19) // 20):
        day = days[i % len(days)]
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9 + i % 6)), zone)
        schedules.append(Schedule(
            code=f"CB{run}-{i}", course=course, start_at=start,
            end_at=start + datetime.timedelta(days=1, hours=3), venue=venue,
            trainer=staff[i % len(staff)], capacity=20, places_taken=20,
            price=Decimal("100.00"), vat_rate=Decimal("0.2000"),
        ))  # fmt: skip
    Schedule.objects.bulk_create(schedules)
    sessions = []
    for i, s in enumerate(schedules):
        local = timezone.localtime(s.start_at)
        for d in range(1 + i % 2):
            sessions.append(TimetableSession(
                schedule=s, date=(local + datetime.timedelta(days=d)).date(),
                start_time=local.time(), end_time=(local + datetime.timedelta(hours=3)).time(),
            ))  # fmt: skip
    TimetableSession.objects.bulk_create(sessions)
    statuses = ["confirmed"] * 6 + ["pending", "waiting", "confirming", "cancelled"]
    Booking.objects.bulk_create(
        Booking(kind="individual", status=statuses[i % len(statuses)],
                schedule=schedules[i // 20], contact=students[i % len(students)],
                unit_price=Decimal("100.00"), vat_rate=Decimal("0.2000"))
        for i in range(course_n)
    )  # fmt: skip
    pricing = PricingSchedule.objects.create(name=f"Bench {run}", amount=Decimal("25.00"))
    kind = AppointmentType.objects.create(name=f"Lesson {run}", duration_minutes=30, capacity=4,
                                          pricing_schedule=pricing)  # fmt: skip
    slots = Timeslot.objects.bulk_create(
        Timeslot(staff=staff[i], appointment_type=kind, frequency="weekly", weekdays="01234",
                 start_date=first, end_date=days[-1], start_time=datetime.time(8 + i),
                 end_time=datetime.time(8 + i, 30), capacity=4, generated_until=days[-1])
        for i in range(len(staff))
    )  # fmt: skip
    occurrences = []
    for slot in slots:
        for day in days:
            if day.weekday() < 5:
                start = timezone.make_aware(datetime.datetime.combine(day, slot.start_time), zone)
                occurrences.append(Occurrence(
                    timeslot=slot, date=day, starts_at=start,
                    ends_at=start + datetime.timedelta(minutes=30), capacity=4, taken=0,
                ))  # fmt: skip
    Occurrence.objects.bulk_create(occurrences)
    picked = [occurrences[i % len(occurrences)] for i in range(appt_n)]
    appts = AppointmentBooking.objects.bulk_create(
        AppointmentBooking(
            student=students[i % len(students)], timeslot=o.timeslot, frequency="non_recurring",
            start_date=o.date, end_date=o.date, status=statuses[i % len(statuses)],
            pricing_schedule=pricing,
        )
        for i, o in enumerate(picked)
    )  # fmt: skip
    Seat.objects.bulk_create(
        Seat(booking=b, occurrence=o) for b, o in zip(appts, picked, strict=True)
    )
    return admin, len(sessions), len(occurrences)


def measure(client, url: str, runs: int) -> tuple[list[float], list[float], int]:
    """Wall-clock times of `runs` requests (ms), the Django process's CPU time of each (ms:
    what the page costs the app server, whatever else the machine runs), and the queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        assert client.get(url).status_code == 200
    times, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        response = client.get(url)
        cpu.append((time.process_time() - c) * 1000)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return times, cpu, len(queries)


def explain(admin, first: datetime.date) -> None:
    """The plans and database times of the month view's two event queries."""
    from django.db import connection

    from agenda.periods import Period
    from agenda.selectors import DAY_CELLS, appointment_events, course_events

    period = Period(view="month", anchor=first, today=first)
    captured = []
    for fn in (course_events, appointment_events):
        with connection.execute_wrapper(
            lambda ex, sql, p, many, ctx: captured.append((sql, p)) or ex(sql, p, many, ctx)
        ):
            fn(admin, period.start, period.end, cells=DAY_CELLS, cap=3)
    with connection.cursor() as cursor:
        for sql, params in captured:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
            print("\n".join(plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the month's two queries"
    )
    args = parser.parse_args()
    setup_django()
    from django.db import transaction
    from django.test import Client

    run = uuid.uuid4().hex[:6]
    first = datetime.date(2031, 3, 1) + datetime.timedelta(days=0)
    ok = True
    try:
        with transaction.atomic():
            t = time.perf_counter()
            admin, sessions, occurrences = make_month(run, args.bookings, first)
            print(f"{args.bookings} bookings in March 2031 ({sessions} timetable sessions, "
                  f"{occurrences} occurrences) written in {time.perf_counter() - t:.1f} s "
                  "(rolled back at the end)")  # fmt: skip
            client = Client()
            client.force_login(admin)
            if args.explain:
                explain(admin, first)
            pages = [
                ("month", "/calendar/?date=2031-03-12"),
                ("week", "/calendar/week/?date=2031-03-12"),
                ("day", "/calendar/day/?date=2031-03-12"),
                # A baseline on the same machine at the same moment: the bookings list.
                ("bookings list (baseline)", "/bookings/"),
            ]
            for name, url in pages:
                times, cpu, queries = measure(client, url, args.runs)
                print(
                    f"{name:5}  p50 {statistics.median(times):6.1f} ms  p95 {p95(times):6.1f} ms"
                    f"  max {max(times):6.1f} ms  CPU p50 {statistics.median(cpu):6.1f} ms"
                    f"  p95 {p95(cpu):6.1f} ms  queries {queries}  ({args.runs} requests)"
                )
                if name == "month" and p95(times) > BUDGET_MS:
                    ok = False
            raise Rollback
    except Rollback:
        pass
    print(f"month p95 budget {BUDGET_MS:.0f} ms: {'met' if ok else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
