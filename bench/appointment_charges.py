"""Bulk tuition charges of appointment bookings: one month of 5,000 bookings (README
"Benchmarks", `make bench-charges`).

    DATABASE_URL=postgres://…/td_bench python bench/appointment_charges.py [--bookings 5000]

Needs only a migrated PostgreSQL database. Setup (not timed): a per-lesson pricing schedule
(£25.00), 50 weekly timeslots (Monday and Thursday, 100 places each) from the first day of
next month (the month after for a second run on the same database, and so on), the students
(every other one in a family) and their bookings with a seat on every Monday and Thursday
of that month, written in bulk. Timed:

1. the preview ("Tuition charges" for the month): the quote of every booking;
2. the run: "Post charges" queues the run; its tasks (`charge_run_execute`, what the Celery
   workers run; `--parts 4` of them, each in a forked process standing for a worker process)
   charge each booking in its own transaction through `tuition_charge` (one invoice each,
   its history, its revenue entries), while this process polls the progress endpoint every
   second as the page does and prints what it shows.

The run must finish in under 60 s. Each run makes its own data (names carry a run id), so it
can be repeated on the same database.
"""

import argparse
import datetime
import multiprocessing
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402

PER_TIMESLOT = 100
LIMIT_SECONDS = 60


def make_data(run: str, count: int, actor):
    """The month's bookings, written in bulk (setup, not measured)."""
    from django.db import connection, transaction
    from django.db.models import Count, OuterRef, Subquery

    from appointments.models import (
        AppointmentBooking,
        AppointmentType,
        Occurrence,
        PricingSchedule,
        Seat,
    )
    from appointments.recurrence import local_today
    from appointments.services import timeslot_create
    from appointments.states import BookingFrequency, PricingBasis
    from contacts.models import Contact, Family

    # A month of its own for each run on this database (next month, then the one after ...),
    # so a run's preview and charges are its own bookings only.
    earlier_runs = PricingSchedule.objects.filter(name__startswith="Bench lesson").count()
    first = local_today().replace(day=1)
    for _ in range(1 + earlier_runs % 12):
        first = (first + datetime.timedelta(days=32)).replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    pricing = PricingSchedule.objects.create(
        name=f"Bench lesson {run}", basis=PricingBasis.PER_LESSON, amount=Decimal("25.00")
    )
    kind = AppointmentType.objects.create(
        name=f"Bench lesson {run}", capacity=PER_TIMESLOT, pricing_schedule=pricing
    )
    slots = [
        timeslot_create(
            actor=actor,
            staff=actor,
            appointment_type=kind,
            frequency="weekly",
            weekdays=(0, 3),
            start_date=first,
            start_time=datetime.time(8 + i % 10, 0),
            capacity=PER_TIMESLOT,
        )
        for i in range(-(-count // PER_TIMESLOT))
    ]
    with transaction.atomic():
        families = Family.objects.bulk_create(
            Family(name=f"Bench family {run} {i}", account_email=f"f{i}.{run}@bench.example")
            for i in range(count // 2)
        )
        students = Contact.objects.bulk_create(
            Contact(
                first_name=f"Student{i}",
                last_name=f"Bench{run}",
                email=f"s{i}.{run}@bench.example",
                family=families[i // 2] if i % 2 and i // 2 < len(families) else None,
            )
            for i in range(count)
        )
        bookings = AppointmentBooking.objects.bulk_create(
            AppointmentBooking(
                student=s,
                family_id=s.family_id,
                timeslot=slots[i // PER_TIMESLOT],
                frequency=BookingFrequency.RECURRING,
                start_date=first,
                end_date=last,
                weekdays="03",
                pricing_schedule=pricing,
                created_by=actor,
            )
            for i, s in enumerate(students)
        )
        month = {
            slot.pk: list(Occurrence.objects.filter(timeslot=slot, date__gte=first, date__lte=last))
            for slot in slots
        }
        Seat.objects.bulk_create(
            (Seat(booking=b, occurrence=o) for b in bookings for o in month[b.timeslot_id]),
            batch_size=5000,
        )
        taken = (
            Seat.objects.filter(occurrence=OuterRef("pk"))
            .values("occurrence")
            .annotate(n=Count("pk"))
            .values("n")
        )
        Occurrence.objects.filter(timeslot__in=slots, date__gte=first, date__lte=last).update(
            taken=Subquery(taken)
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seats = sum(len(v) for v in month.values()) * PER_TIMESLOT
    return first, len(bookings), seats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=5000)
    parser.add_argument("--parts", type=int, default=2, help="tasks (worker processes)")
    args = parser.parse_args()
    if not 1 <= args.bookings <= 100_000:
        sys.exit("Bookings from 1 to 100000.")
    setup_django()
    from django.conf import settings
    from django.db import connection, connections
    from django.test import Client
    from django.urls import reverse

    from appointments.models import ChargeRun, TuitionCharge
    from appointments.services import charge_run_execute, charge_run_preview, charge_run_start
    from appointments.services import charge_runs as charge_runs_module
    from bench.booking_throughput import bench_admin

    run_id = uuid.uuid4().hex[:6].upper()
    actor = bench_admin()
    print(f"Tuition charges of {args.bookings:,} appointment bookings on "
          f"{connection.settings_dict['NAME']} (run {run_id})\n")  # fmt: skip
    t0 = time.perf_counter()
    first, bookings, seats = make_data(run_id, args.bookings, actor)
    print(f"setup: {bookings:,} bookings, ~{seats:,} seat slots in {first:%B %Y} "
          f"({time.perf_counter() - t0:.1f} s, not timed)")  # fmt: skip

    # The run's tasks, as Celery worker processes run them: one forked process per part,
    # each with its own database connection; the page does not wait for them.
    def worker(pk: int, part: int, parts: int) -> None:
        try:
            charge_run_execute(run_id=pk, part=part, parts=parts)
        finally:
            connections.close_all()

    workers: list = []

    def enqueue(pk: int, parts: int) -> None:
        connections.close_all()  # never share a connection with a forked child
        fork = multiprocessing.get_context("fork")
        for part in range(parts):
            process = fork.Process(target=worker, args=(pk, part, parts), daemon=True)
            workers.append(process)
            process.start()

    charge_runs_module._enqueue = enqueue
    settings.TUITION_CHARGE_RUN_PARTS = args.parts

    t0 = time.perf_counter()
    run = charge_run_preview(actor=actor, period_start=first, category=f"Tuition {run_id}")
    preview_s = time.perf_counter() - t0
    print(f"preview: {run.total:,} bookings to charge, quoted in {preview_s:.2f} s")

    client = Client()
    client.force_login(actor)
    progress_url = reverse("appointments:tuition_run_progress", args=[run.pk])
    t0 = time.perf_counter()
    charge_run_start(actor=actor, run=run, booking_ids=run.booking_ids)
    polls: list[float] = []
    while True:
        time.sleep(1)
        p0 = time.perf_counter()
        answer = client.get(progress_url, HTTP_HX_REQUEST="true")
        polls.append(time.perf_counter() - p0)
        state = ChargeRun.objects.get(pk=run.pk)
        print(f"  {time.perf_counter() - t0:5.1f} s  {state.state_label:8} "
              f"{state.done:>6,} charged  {state.failed:>4} failed  of {state.total:,}"
              f"  (progress endpoint {answer.status_code}, {polls[-1] * 1000:.0f} ms)")  # fmt: skip
        if state.is_finished:
            break
        if time.perf_counter() - t0 > 10 * LIMIT_SECONDS:
            sys.exit("The run did not finish in 10 minutes.")
    run_s = time.perf_counter() - t0
    for process in workers:
        process.join()
    charges = TuitionCharge.objects.filter(run=run).count()
    state.refresh_from_db()
    task_s = (state.finished_at - state.started_at).total_seconds()
    print(f"task: {task_s:.1f} s from the worker's start to its last charge")
    print(f"\nrun: {charges:,} invoices in {run_s:.1f} s ({charges / run_s:.0f} per second); "
          f"progress endpoint median {sorted(polls)[len(polls) // 2] * 1000:.0f} ms")  # fmt: skip
    verdict = "OK" if run_s < LIMIT_SECONDS and state.failed == 0 else "TOO SLOW OR FAILED"
    print(f"{verdict}: the bulk run must finish under {LIMIT_SECONDS} s")
    if verdict != "OK":
        sys.exit(1)


if __name__ == "__main__":
    main()
