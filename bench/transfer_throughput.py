"""Transfers and placeholder cancellations per second, through the services (README
"Benchmarks"):

1. `booking_place_transfer`: an individual booking's delegate moved from schedule A to
   schedule B, one after another in this process (each: locks, the old place Transferred, the
   new place and attendance, a credit note on the old invoice, the new invoice, the payment
   moved for the paid half, emails, history); every other transfer carries a 10.00 fee;
2. `placeholder_cancel_all`: placeholders of 3 places cancelled one after another (a full
   credit note each; every other one paid, and every fourth with a cancellation charge paid
   from the payment and the rest refunded).

    DATABASE_URL=postgres://…/td_bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/transfer_throughput.py [--transfers 200] [--placeholders 200]

Needs only a migrated PostgreSQL database (no `make bench-data`): each run makes its own
course, schedules (TRF-<run>-A/B/C, with two timetable sessions), students and organisation,
books and buys what it then moves, untimed. The loops are bounded by the counts given. Emails
go to the bench's own Celery queue, deleted at the end (as `bench/booking_throughput.py`).
"""

import argparse
import datetime
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402

WARMUP = 5


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def make_data(run: str, transfers: int, placeholders: int):
    """The run's own course, schedules A (from), B (to), C (placeholders), students and an
    organisation with a lead booker. Setup, not measured."""
    from django.utils import timezone

    from contacts.models import Contact, Membership, Organisation
    from schedules.models import Course, Schedule, TimetableSession

    course = Course.objects.create(
        code=f"TRF{run}",
        title=f"Transfer bench {run}",
        default_price=Decimal("100.00"),
        vat_rate=Decimal("0.2000"),
    )
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    schedules = []
    for i, name in enumerate("ABC"):
        begins = start + datetime.timedelta(days=60 + i)
        schedule = Schedule.objects.create(
            code=f"TRF-{run}-{name}",
            course=course,
            start_at=begins,
            end_at=begins + datetime.timedelta(days=1, hours=8),
            capacity=10 * (transfers + 3 * placeholders + 2 * WARMUP) + 10,
            price=Decimal("120.00") if name == "B" else Decimal("100.00"),
            vat_rate=Decimal("0.2000"),
        )
        TimetableSession.objects.bulk_create(
            TimetableSession(
                schedule=schedule,
                date=(begins + datetime.timedelta(days=d)).date(),
                start_time=datetime.time(9, 0),
                end_time=datetime.time(17, 0),
            )
            for d in range(2)
        )
        schedules.append(schedule)
    students = Contact.objects.bulk_create(
        Contact(
            first_name=f"Bench{i}",
            last_name=f"Transfer{run}",
            email=f"bench{i}.transfer{run}@example.test",
        )
        for i in range(transfers + WARMUP)
    )
    organisation = Organisation.objects.create(
        name=f"Transfer bench {run} Ltd",
        billing_address="1 High Street\nLeeds\nLS1 1AA",
        billing_email=f"accounts.{run}@example.test",
    )
    lead = Contact.objects.create(
        first_name="Lead", last_name=f"Booker{run}", email=f"lead.{run}@example.test"
    )
    Membership.objects.create(organisation=organisation, contact=lead)
    return schedules, students, organisation, lead


def timed(label: str, unit: str, items: list, fn: Callable) -> float:
    """Run `fn(item)` for each item, the first WARMUP untimed (the SQL statements of the last
    of them counted); print and return items/s."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for item in items[: WARMUP - 1]:
        fn(item)
    with CaptureQueriesContext(connection) as queries:
        fn(items[WARMUP - 1])
    timings = []
    started = time.perf_counter()
    for item in items[WARMUP:]:
        t0 = time.perf_counter()
        fn(item)
        timings.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    rate = len(timings) / elapsed
    print(
        f"{label:<38} {rate:7.1f} {unit}/s  ({len(timings)} in {elapsed:.1f} s; median "
        f"{statistics.median(timings):.1f} ms, p95 {p95(timings):.1f} ms; "
        f"{len(queries)} SQL statements)",
        flush=True,
    )
    return rate


def transfer_throughput(actor, schedules, students) -> float:
    from bookings.models import PlaceState
    from bookings.services import booking_create, booking_place_transfer
    from invoicing.models import Invoice
    from invoicing.services import payment_record

    a, b, _ = schedules
    jobs = []
    for i, student in enumerate(students):
        booking = booking_create(actor=actor, kind="individual", schedule=a, student=student)
        if i % 2:
            invoice = Invoice.objects.get(booking=booking)
            payment_record(
                actor=actor, invoice=invoice, amount=invoice.gross_total, method="bank_transfer"
            )
        place = booking.places.get(state=PlaceState.BOOKED)
        jobs.append((i, booking, place.pk))

    def move(job) -> None:
        i, booking, place_id = job
        booking_place_transfer(
            actor=actor,
            booking=booking,
            place_id=place_id,
            schedule=b,
            fee_net=Decimal("10.00") if i % 2 == 0 else None,
            reason="Bench transfer",
        )

    return timed("booking_place_transfer (service)", "transfers", jobs, move)


def cancel_all_throughput(actor, schedules, organisation, lead, count: int) -> float:
    from bookings.services import placeholder_buy, placeholder_cancel_all
    from invoicing.models import Invoice
    from invoicing.services import payment_record

    c = schedules[2]
    jobs = []
    for i in range(count + WARMUP):
        booking = placeholder_buy(
            actor=actor, schedule=c, organisation=organisation, places=3, lead_booker=lead
        )
        if i % 2:
            invoice = Invoice.objects.get(booking=booking)
            payment_record(
                actor=actor, invoice=invoice, amount=invoice.gross_total, method="bank_transfer"
            )
        jobs.append((i, booking))

    def cancel(job) -> None:
        i, booking = job
        placeholder_cancel_all(
            actor=actor,
            booking=booking,
            reason="Bench cancel all",
            charge_net=Decimal("50.00") if i % 4 == 1 else None,
        )

    return timed("placeholder_cancel_all (service)", "cancellations", jobs, cancel)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=200)
    parser.add_argument("--placeholders", type=int, default=200)
    args = parser.parse_args()
    if not 1 <= args.transfers <= 100_000 or not 1 <= args.placeholders <= 100_000:
        sys.exit("Counts from 1 to 100000.")
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL (a broker, as in production): the bench uses its own queue.")
    setup_django()
    from bench.booking_throughput import bench_admin, drop_bench_queue, use_bench_queue

    use_bench_queue()
    from django.db import connection

    print(f"Transfers and placeholder cancellations on {connection.settings_dict['NAME']}\n")
    run = uuid.uuid4().hex[:6].upper()
    try:
        actor = bench_admin()
        schedules, students, organisation, lead = make_data(run, args.transfers, args.placeholders)
        transfer_throughput(actor, schedules, students)
        cancel_all_throughput(actor, schedules, organisation, lead, args.placeholders)
    finally:
        drop_bench_queue()


if __name__ == "__main__":
    main()
