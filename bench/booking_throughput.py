"""Bookings per second, three ways, in one run (README "Benchmarks"):

1. `booking_create` through the service, one after another in this process;
2. the PostgreSQL ceiling for the same transaction shape: pgbench runs
   bench/ceiling/booking_ceiling.pgbench (lock the schedule, count its places, insert booking
   and place, take a gapless invoice number, insert invoice, line, outbox row and history) in
   a database of its own, `<bench database>_ceiling`, created and filled here;
3. the "Create a new booking" form's Book button over HTTP: one gunicorn sync worker against
   the same database, a client on 127.0.0.1 posting the form (logged in, CSRF token) once per
   booking, one request after another.

    DATABASE_URL=postgres://…/td_bench REDIS_URL=redis://127.0.0.1:6379/0 \
        python bench/booking_throughput.py [--bookings 400] [--requests 300] [--seconds 10]

Needs the bench data (`make bench-data`: contacts, courses) and makes its own schedules with
room (BENCH-0001...) the first time. A broker (REDIS_URL) is needed, as in production: each
booking hands its email to Celery. The bench sends those tasks to a queue of its own
(`bench-booking`) and deletes it at the end, so no worker ever delivers them; the outbox rows
stay pending in the bench database.
"""

import argparse
import http.client
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_DIR, ROOT, setup_django  # noqa: E402

BENCH_QUEUE = "bench-booking"
CEILING_DIR = BENCH_DIR / "ceiling"
WARMUP = 10


def use_bench_queue() -> None:
    """Send this process's Celery tasks to the bench's own queue (never delivered)."""
    from config.celery import app

    app.conf.task_default_queue = BENCH_QUEUE


def drop_bench_queue() -> None:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    # The queue itself and kombu's bindings of it (_kombu.binding*.bench-booking).
    keys = [BENCH_QUEUE, *client.scan_iter(match=f"_kombu.binding*.{BENCH_QUEUE}")]
    client.delete(*keys)


# --- the data ----------------------------------------------------------------------------------


def bench_admin():
    from django.contrib.auth.models import Group, User

    from core.roles import Role

    user, created = User.objects.get_or_create(
        username="bench.admin", defaults={"first_name": "Bench", "last_name": "Admin"}
    )
    if created:
        user.groups.add(Group.objects.get(name=Role.ADMIN))
    return user


BENCH_SCHEDULES = 200
BENCH_CAPACITY = 100_000


def schedules_with_room() -> list:
    """The bench's own schedules ("BENCH-0001"...): a few months ahead, two timetable
    sessions each, room for every run (the generated ones fill up after a few runs). Made
    with `schedule_create` / `session_add` the first time."""
    import datetime

    from django.utils import timezone

    from schedules.models import Course, Schedule, Venue
    from schedules.services import schedule_create, session_add

    existing = Schedule.objects.filter(code__startswith="BENCH-").count()
    if existing < BENCH_SCHEDULES:
        courses = list(Course.objects.order_by("id")[:20])
        venues = list(Venue.objects.order_by("id")[:5]) or [None]
        if not courses:
            sys.exit("No courses in the bench database: run make bench-data.")
        first = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
        for i in range(existing, BENCH_SCHEDULES):
            start = first + datetime.timedelta(days=90 + i % 60)
            schedule = schedule_create(
                actor=None,
                course=courses[i % len(courses)],
                start_at=start,
                end_at=start + datetime.timedelta(days=1, hours=8),
                capacity=BENCH_CAPACITY,
                venue=venues[i % len(venues)],
                code=f"BENCH-{i + 1:04d}",
            )
            for day in range(2):
                session_add(
                    actor=None,
                    schedule=schedule,
                    date=(start + datetime.timedelta(days=day)).date(),
                    start_time=datetime.time(9, 0),
                    end_time=datetime.time(17, 0),
                )
    return list(
        Schedule.objects.filter(code__startswith="BENCH-", places_taken__lt=BENCH_CAPACITY)
        .select_related("course", "venue")  # as the booking form loads it
        .order_by("id")
    )


def some_students(rng: random.Random, count: int) -> list:
    from contacts.models import Contact

    last = Contact.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids = rng.sample(range(1, last + 1), min(count, last))
    found = Contact.objects.in_bulk(ids)
    return [found[i] for i in ids if i in found]


def need(rows: list, what: str, count: int) -> None:
    if len(rows) < count:
        sys.exit(f"Not enough {what} in the bench database ({len(rows)}): run make bench-data.")


# --- 1. through the service --------------------------------------------------------------------


def service_throughput(count: int, rng: random.Random) -> float:
    from bookings.services import booking_create
    from core.errors import DomainError

    actor = bench_admin()
    schedules = schedules_with_room()
    students = some_students(rng, count + WARMUP)
    need(schedules, "future schedules with room", 50)
    need(students, "contacts", count + WARMUP)

    reasons: Counter[str] = Counter()

    def book(student) -> bool:
        try:
            booking_create(
                actor=actor,
                kind="individual",
                schedule=rng.choice(schedules),
                student=student,
                idempotency_key=uuid.uuid4().hex,
            )
        except DomainError as refusal:  # already booked there, say
            reasons[refusal.message] += 1
            return False
        return True

    for student in students[:WARMUP]:
        book(student)
    timings, refused = [], 0
    started = time.perf_counter()
    for student in students[WARMUP:]:
        t0 = time.perf_counter()
        if book(student):
            timings.append((time.perf_counter() - t0) * 1000)
        else:
            refused += 1
    elapsed = time.perf_counter() - started
    if not timings:
        sys.exit(f"Every booking was refused: {reasons.most_common(3)}")
    rate = len(timings) / elapsed
    print(
        f"booking_create (service, 1 process):  {rate:7.1f} bookings/s  "
        f"({len(timings)} in {elapsed:.1f} s; median {statistics.median(timings):.1f} ms, "
        f"p95 {p95(timings):.1f} ms; {refused} refused)",
        flush=True,
    )
    return rate


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- 2. the PostgreSQL ceiling -----------------------------------------------------------------


def pg_args(url: str) -> tuple[list[str], dict, str]:
    """Connection options for psql / pgbench / createdb, their environment, the database."""
    parts = urlparse(url)
    args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    if parts.username:
        args += ["-U", parts.username]
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return args, env, parts.path.lstrip("/")


def pg_tool(name: str) -> str:
    found = shutil.which(name) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None
    )
    if not found:
        sys.exit(f"{name} is needed for the ceiling (apt-get install postgresql-client).")
    return found


def ceiling(seconds: int) -> float:
    args, env, database = pg_args(os.environ["DATABASE_URL"])
    target = f"{database}_ceiling"
    psql, pgbench = pg_tool("psql"), pg_tool("pgbench")
    query = f"SELECT 1 FROM pg_database WHERE datname = '{target}'"
    exists = subprocess.run(
        [psql, *args, "-d", "postgres", "-tAc", query],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not exists:
        subprocess.run([pg_tool("createdb"), *args, target], env=env, check=True)
    subprocess.run(
        [psql, "-q", *args, "-d", target, "-v", "ON_ERROR_STOP=1", "-f",
         str(CEILING_DIR / "booking_ceiling.sql")],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    out = subprocess.run(
        [pgbench, *args, "-n", "-c", "1", "-T", str(seconds), "-f",
         str(CEILING_DIR / "booking_ceiling.pgbench"), target],
        env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    print(
        f"PostgreSQL ceiling (pgbench, 1 client): {tps:7.1f} bookings/s  "
        f"(the same transaction shape in SQL alone, database {target}, {seconds} s)",
        flush=True,
    )
    return tps


# --- 3. the form over HTTP, one gunicorn sync worker -------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "bench.booking_wsgi:application",
         "--workers", "1", "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            if server.poll() is not None:
                sys.exit("gunicorn did not start")
            time.sleep(0.1)
    server.terminate()
    sys.exit("gunicorn did not answer on its port")


class Browser:
    """Cookies by hand: production settings mark them Secure, this is plain HTTP on
    127.0.0.1. A sync worker closes each connection, so each request opens one."""

    def __init__(self, port: int, session_key: str):
        self.port = port
        self.cookies = {"sessionid": session_key}

    def request(self, method: str, path: str, body: dict | None = None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        all_headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **(headers or {}),
        }
        data = None
        if body is not None:
            data = urlencode(body)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=all_headers)
        response = conn.getresponse()
        content = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response, content


def form_throughput(count: int, rng: random.Random) -> float:
    from django.test import Client

    actor = bench_admin()
    client = Client()
    client.force_login(actor)  # a session row, as after signing in
    schedules = schedules_with_room()
    students = some_students(rng, count + WARMUP)
    need(students, "contacts", count + WARMUP)
    port = free_port()
    server = start_gunicorn(port)
    try:
        browser = Browser(port, client.cookies["sessionid"].value)
        response, _ = browser.request("GET", "/bookings/new/?kind=individual")
        if response.status != 200 or "csrftoken" not in browser.cookies:
            sys.exit(f"The booking form did not open (HTTP {response.status}).")
        headers = {"X-CSRFToken": browser.cookies["csrftoken"], "HX-Request": "true"}

        def book(student) -> bool:
            schedule = rng.choice(schedules)
            response, _ = browser.request(
                "POST",
                "/bookings/new/",
                {
                    "kind": "individual",
                    "student": student.pk,
                    "schedule": schedule.pk,
                    "token": uuid.uuid4().hex,
                    "po_number": "",
                    "discount_kind": "",
                    "discount_value": "",
                    "discount_reason": "",
                    "action": "book",
                },
                headers,
            )
            if response.status >= 500 or response.status == 403:
                sys.exit(f"The Book button answered HTTP {response.status}.")
            return response.status == 204 and response.headers.get("HX-Redirect", "") != ""

        for student in students[:WARMUP]:
            book(student)
        booked = refused = 0
        started = time.perf_counter()
        for student in students[WARMUP:]:
            if book(student):
                booked += 1
            else:
                refused += 1  # the form shows why (full, already booked there)
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    rate = booked / elapsed
    print(
        f"Book button (HTTP, 1 gunicorn sync worker): {rate:7.1f} bookings/s  "
        f"({booked} in {elapsed:.1f} s; {refused} refused)",
        flush=True,
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=400, help="through the service")
    parser.add_argument("--requests", type=int, default=300, help="through the form")
    parser.add_argument("--seconds", type=int, default=10, help="pgbench duration")
    parser.add_argument(
        "--seed", type=int, default=None, help="students and schedules (default: a new draw)"
    )
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL (a broker, as in production): the bench uses its own queue.")
    setup_django()
    use_bench_queue()
    from django.db import connection

    print(f"Bookings per second on {connection.settings_dict['NAME']} (sequential, 1 client)\n")
    rng = random.Random(args.seed)
    try:
        service = service_throughput(args.bookings, rng)
        connection.close()  # the ceiling and the form run in other processes
        limit = ceiling(args.seconds)
        form = form_throughput(args.requests, rng)
    finally:
        drop_bench_queue()
    print(
        f"\nservice / ceiling = {service / limit:.0%};  form / ceiling = {form / limit:.0%};  "
        f"form / service = {form / service:.0%}"
    )


if __name__ == "__main__":
    main()
