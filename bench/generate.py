"""Fill PostgreSQL at the spec's scale, then run every bench/generate_*.py (see bench/__init__).

DATABASE_URL=postgres://postgres@127.0.0.1:5432/td_bench python bench/generate.py --reset
"""

import argparse
import importlib
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Context, modules, setup_django  # noqa: E402

CONTACTS = 100_000
ORGANISATIONS = 5_000
MEMBERS_PER_ORGANISATION = 3
FAMILIES = 5_000
SCHEDULES = 20_000
TRAINERS = 50
COURSES = 60
VENUES = 25
BENCH_PASSWORD = "bench-pass"

# Tables this script fills; --reset empties them (CASCADE: whatever refers to them too).
TABLES = [
    "contacts_membership",
    "contacts_contact",
    "contacts_organisation",
    "contacts_family",
    "schedules_timetablesession",
    "schedules_schedule",
    "schedules_course",
    "schedules_venue",
    "core_auditevent",
]

SYLLABLES_A = "Ash Black Brad Craw Dun Fair Gold Hart Kings Lang Mar Nor Pem Ross Stan Thorn Wat "
SYLLABLES_A += "Whit Wood York Bram Cal Dal Ell Fen Glen Hal Ing Kel Lind"
SYLLABLES_B = "ford ley ton well wood by field ham worth bury more shaw croft wick land"


def names():
    from core.demo import FIRST_NAMES, LAST_NAMES

    extra = "Adam Beth Cara Dean Erin Faye Gavin Holly Ian Jade Kyle Leah Marc Nina Owain Paige "
    extra += "Quinn Rosa Sean Tara Umar Vera Wes Yusuf Zoe Aaron Bella Connor Demi Elliot Fatima "
    extra += "Gemma Harvey Iris Jamal Kirsty Liam Maisie Nathan Orla Priya Ravi Saira Toby"
    firsts = sorted(set(FIRST_NAMES)) + extra.split(" ")
    lasts = sorted(set(LAST_NAMES)) + [
        a + b for a in SYLLABLES_A.split() for b in SYLLABLES_B.split()
    ]
    return firsts, lasts


def refuse_unless_empty(reset: bool) -> None:
    from django.db import connection

    from contacts.models import Contact

    if Contact.objects.exists():
        if not reset:
            sys.exit("The database already has contacts: run with --reset to empty it first.")
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        from django.contrib.auth.models import User

        User.objects.filter(username__startswith="bench.").delete()


def make_users(ctx: Context):
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User

    from core.roles import Role

    password = make_password(BENCH_PASSWORD)
    staff = {}
    for role in (Role.ADMIN, Role.TEAM_LEADER, Role.FINANCE, Role.PROVIDER):
        slug = role.lower().replace(" ", "_").replace("/", "")
        user = User.objects.create(
            username=f"bench.{slug}", password=password, first_name="Bench", last_name=role
        )
        user.groups.add(Group.objects.get(name=role))
        staff[role] = user
    provider = Group.objects.get(name=Role.PROVIDER)
    firsts, lasts = names()
    trainers = User.objects.bulk_create(
        User(
            username=f"bench.trainer{i:02d}",
            password=password,
            first_name=ctx.rng.choice(firsts),
            last_name=ctx.rng.choice(lasts),
        )
        for i in range(TRAINERS)
    )
    provider.user_set.add(*trainers)
    return staff, [staff[Role.PROVIDER], *trainers]


def make_contacts(ctx: Context) -> None:
    now = ctx.now
    firsts, lasts = names()
    total = ctx.n(CONTACTS)
    # Distinct national numbers 7xxxxxxxxx; the first contact is the one the cases look for.
    numbers = ctx.rng.sample(range(100_000_000, 999_999_999), total)

    def rows():
        yield ("Ann", "Smith", "ann.smith@example.co.uk", "+447700900123", now,
               "ann smith 7700900123")  # fmt: skip
        for i in range(1, total):
            first, last = ctx.rng.choice(firsts), ctx.rng.choice(lasts)
            national = f"7{numbers[i]}"
            email = f"{first}.{last}{i}@example.co.uk".lower().replace("'", "")
            yield (first, last, email, f"+44{national}", now, f"{first} {last} {national}".lower())

    # search_text as Contact.save() writes it: "first last national-digits", lower case.
    written = ctx.copy_rows(
        "contacts_contact",
        ["first_name", "last_name", "email", "mobile", "created_at", "search_text"],
        rows(),
    )
    ctx.log(f"  {written:,} contacts")


def make_organisations(ctx: Context) -> None:
    from django.db import connection

    now = ctx.now
    firsts, lasts = names()
    kinds = ["Ltd", "plc", "LLP", "Group", "Trust", "Partners", "Services Ltd", "Care Ltd"]
    total = ctx.n(ORGANISATIONS)
    ctx.copy_rows(
        "contacts_organisation",
        ["name", "billing_address", "billing_email", "created_at"],
        (
            (
                f"{ctx.rng.choice(lasts)} {ctx.rng.choice(lasts)} {ctx.rng.choice(kinds)}",
                f"{ctx.rng.randint(1, 200)} High Street\nLeeds\nLS1 {ctx.rng.randint(1, 9)}AB",
                f"accounts{i}@org{i}.example.co.uk",
                now,
            )
            for i in range(total)
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM contacts_organisation")
        org_min, org_max = cursor.fetchone()
        cursor.execute("SELECT min(id), max(id) FROM contacts_contact")
        contact_min, contact_max = cursor.fetchone()
    pairs = set()
    for org in range(org_min, org_max + 1):
        members = ctx.rng.sample(range(contact_min, contact_max + 1), MEMBERS_PER_ORGANISATION)
        pairs.update((org, c) for c in members)
    # Ann Smith works for the first organisation (the "lead booker" case finds her there).
    pairs.add((org_min, contact_min))
    titles = ["Office Manager", "HR Advisor", "Buyer", "Team Leader", ""]
    written = ctx.copy_rows(
        "contacts_membership",
        ["organisation_id", "contact_id", "job_title", "created_at"],
        ((o, c, ctx.rng.choice(titles), now) for o, c in sorted(pairs)),
    )
    ctx.log(f"  {total:,} organisations, {written:,} memberships")


def make_families(ctx: Context) -> None:
    from django.db import connection

    total = ctx.n(FAMILIES)
    ctx.copy_rows(
        "contacts_family",
        ["name", "account_email", "created_at"],
        ((f"Family {i}", f"family{i}@example.co.uk", ctx.now) for i in range(total)),
    )
    # Two students each: contacts from the end of the id range.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH f AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM contacts_family),
                 c AS (SELECT id, row_number() OVER (ORDER BY id DESC) - 1 AS k
                       FROM contacts_contact ORDER BY id DESC LIMIT %s)
            UPDATE contacts_contact SET family_id = f.id
            FROM c JOIN f ON f.k = c.k / 2
            WHERE contacts_contact.id = c.id
            """,
            [total * 2],
        )
    ctx.log(f"  {total:,} families with 2 students each")


def make_schedules(ctx: Context, trainers) -> None:
    from django.db import connection

    from core.demo import COURSES as DEMO_COURSES
    from schedules.models import Course, Venue

    courses = []
    for i in range(ctx.n(COURSES)):
        code, title, price, days = DEMO_COURSES[i % len(DEMO_COURSES)]
        suffix = "" if i < len(DEMO_COURSES) else f"{i // len(DEMO_COURSES) + 1}"
        courses.append(
            Course(
                code=f"{code}{suffix}",
                title=f"{title}{' (level ' + suffix + ')' if suffix else ''}",
                default_price=Decimal(price),
                vat_rate=Decimal("0.2000"),
                description=f"{days}-day course.",
            )
        )
    courses = Course.objects.bulk_create(courses)
    days_of = {c.pk: int(c.description.split("-")[0]) for c in courses}
    venues = Venue.objects.bulk_create(
        Venue(name=f"Bench venue {i}", address="Leeds") for i in range(VENUES)
    )
    total = ctx.n(SCHEDULES)
    # Three years back to one year ahead, so about a quarter is upcoming.
    start_day = ctx.now - timedelta(days=3 * 365)
    span_days = 4 * 365
    plan = []
    for n in range(total):
        course = courses[n % len(courses)]
        day = start_day + timedelta(days=ctx.rng.randrange(span_days))
        start = day.replace(hour=9, minute=0, second=0, microsecond=0)
        days = days_of[course.pk]
        end = start + timedelta(days=days - 1, hours=7, minutes=30)
        plan.append((n, course, start, end, days))

    def schedule_rows():
        for n, course, start, end, _days in plan:
            yield (
                f"{course.code}-{n:06d}",
                course.pk,
                start,
                end,
                ctx.rng.choice(venues).pk,
                trainers[n % len(trainers)].pk,
                ctx.rng.choice([8, 10, 12, 16, 20]),
                0,
                course.default_price,
                course.vat_rate,
                ctx.now,
            )

    ctx.copy_rows(
        "schedules_schedule",
        ["code", "course_id", "start_at", "end_at", "venue_id", "trainer_id", "capacity",
         "places_taken", "price", "vat_rate", "created_at"],
        schedule_rows(),
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT code, id FROM schedules_schedule")
        ids = dict(cursor.fetchall())

    def session_rows():
        for n, course, start, _end, days in plan:
            schedule_id = ids[f"{course.code}-{n:06d}"]
            for d in range(days):
                yield (schedule_id, (start + timedelta(days=d)).date(), "09:00", "16:30")

    sessions = ctx.copy_rows(
        "schedules_timetablesession",
        ["schedule_id", "date", "start_time", "end_time"],
        session_rows(),
    )
    ctx.log(f"  {total:,} schedules, {sessions:,} timetable sessions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reset", action="store_true", help="empty the bench tables first")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the spec's full size")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--only-core", action="store_true", help="skip bench/generate_*.py")
    args = parser.parse_args()

    setup_django()
    from django.core.management import call_command
    from django.db import connection, transaction

    started = time.perf_counter()
    ctx = Context(rng=random.Random(args.seed), scale=args.scale, now=datetime.now(UTC))
    print(f"Generating bench data at scale {args.scale} into {connection.settings_dict['NAME']}")
    with ctx.timed("migrate"):
        call_command("migrate", verbosity=0, interactive=False)
    with transaction.atomic():
        refuse_unless_empty(args.reset)
        with ctx.timed("users (staff, trainers)"):
            _staff, trainers = make_users(ctx)
        with ctx.timed("contacts"):
            make_contacts(ctx)
        with ctx.timed("organisations and memberships"):
            make_organisations(ctx)
        with ctx.timed("families"):
            make_families(ctx)
        with ctx.timed("courses, venues, schedules, sessions"):
            make_schedules(ctx, trainers)
    with ctx.timed("analyze"), connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    if not args.only_core:
        for name in modules("generate_"):
            module = importlib.import_module(name)
            with ctx.timed(f"{name}.generate"):
                module.generate(ctx)
        if modules("generate_"):
            with ctx.timed("analyze"), connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    print(f"Done in {time.perf_counter() - started:.1f} s. Staff logins: bench.admin etc., "
          f"password {BENCH_PASSWORD!r}.")  # fmt: skip


if __name__ == "__main__":
    main()
