"""A calendar's iCalendar feed with 10,000 events, through the whole stack (README
"Benchmarks", SPEC 7): the GET of the secret feed URL answered by the Django test client
(URL routing, middleware, the events read, the icalendar text).

    DATABASE_URL=postgres://…/td_bench python bench/calendar_feed.py [--events 10000] [--runs 7]

Needs only a migrated PostgreSQL database: each run makes its own trainer, course, schedules
(100), students and bookings (bulk inserts, untimed), times the feed, then deletes what it
made. Exits 1 when the median is above the bar (1 s).
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

BAR_SECONDS = 1.0


def make_data(run: str, events: int):
    from django.contrib.auth.models import User
    from django.utils import timezone

    from bookings.models import Booking
    from calendars.services import calendar_for_staff
    from contacts.models import Contact
    from schedules.models import Course, Schedule, Venue

    trainer = User.objects.create_user(username=f"feed-bench-{run}", first_name="Bench")
    venue = Venue.objects.create(name=f"Feed bench room {run}", address="1 Bench Street")
    course = Course.objects.create(
        code=f"FEED{run}"[:20],
        title=f"Feed bench {run}",
        default_price=Decimal("100.00"),
        vat_rate=Decimal("0.2000"),
    )
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    schedules = Schedule.objects.bulk_create(
        Schedule(
            code=f"F{run}{i:03d}"[:20],
            course=course,
            start_at=start + datetime.timedelta(days=i),
            end_at=start + datetime.timedelta(days=i, hours=7),
            venue=venue,
            trainer=trainer,
            capacity=events,
            price=Decimal("100.00"),
            vat_rate=Decimal("0.2000"),
        )
        for i in range(100)
    )
    people = Contact.objects.bulk_create(
        Contact(first_name="Student", last_name=f"{run}-{i}") for i in range(events)
    )
    Booking.objects.bulk_create(
        (
            Booking(
                kind="individual",
                schedule=schedules[i % len(schedules)],
                contact=people[i],
                unit_price=Decimal("100.00"),
                vat_rate=Decimal("0.2000"),
            )
            for i in range(events)
        ),
        batch_size=2000,
    )
    return calendar_for_staff(trainer), (trainer, venue, course, schedules, people)


def clean(made) -> None:
    from bookings.models import Booking
    from calendars.models import Calendar
    from contacts.models import Contact
    from schedules.models import Schedule

    trainer, venue, course, schedules, people = made
    Calendar.objects.filter(owner=trainer).delete()
    Booking.objects.filter(schedule__in=schedules).delete()
    Schedule.objects.filter(pk__in=[s.pk for s in schedules]).delete()
    Contact.objects.filter(pk__in=[p.pk for p in people]).delete()
    course.delete()
    venue.delete()
    trainer.delete()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    setup_django()
    from django.test import Client

    run = uuid.uuid4().hex[:6]
    calendar, made = make_data(run, args.events)
    try:
        client = Client()
        url = calendar.feed_path()
        response = client.get(url)  # warm-up (content types, imports)
        assert response.status_code == 200, response.status_code
        count = response.content.count(b"BEGIN:VEVENT")
        assert count == args.events, count
        timings = []
        for _ in range(args.runs):
            began = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - began)
        median = statistics.median(timings)
        print(
            f"Feed of {count} events ({len(response.content) / 1e6:.1f} MB): "
            f"median {median * 1000:.0f} ms, best {min(timings) * 1000:.0f} ms, "
            f"worst {max(timings) * 1000:.0f} ms over {args.runs} runs "
            f"(bar: {BAR_SECONDS * 1000:.0f} ms)"
        )
    finally:
        clean(made)
    return 0 if median <= BAR_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
