"""Demo data: a small UK training company, loaded by `manage.py demo_data` (and `make run`).

Deterministic (fixed random seed) and relative to today, so schedules are always past, in
progress and upcoming. Writes go through the services, so the history reads naturally.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.utils import timezone

from contacts import services as contact_services
from contacts.models import Contact
from core.roles import Role
from schedules import services as schedule_services

PASSWORD = "demo-pass-2025"
MARKER_USERNAME = "admin"


@dataclass(frozen=True)
class Login:
    username: str
    first_name: str
    last_name: str
    role: str
    note: str = ""


STAFF = [
    Login("admin", "Sarah", "Mitchell", Role.ADMIN, "everything"),
    Login("teamleader", "James", "Carter", Role.TEAM_LEADER, "bookings, backdating"),
    Login("trainer", "Priya", "Patel", Role.PROVIDER, "own timetable"),
    Login("trainer2", "Tom", "Hughes", Role.PROVIDER, "own timetable"),
    Login("trainer3", "Grace", "O'Neill", Role.PROVIDER, "own timetable"),
    Login("finance", "David", "Okafor", Role.FINANCE, "invoices, payments, credit notes"),
    # The lesson provider's teachers: their appointment timeslots (appointments/demo.py).
    Login("piano", "Elena", "Rossi", Role.PROVIDER, "own timeslots: piano lessons"),
    Login("guitar", "Marcus", "Reid", Role.PROVIDER, "own timeslots: guitar and theory"),
]
FAMILY_LOGIN = Login("family", "Helen", "Thompson", Role.STUDENT, "portal: the Thompson family")
STUDENT_LOGIN = Login("student", "Chloe", "Evans", Role.STUDENT, "portal: own bookings")

COURSES = [
    ("FAW", "First Aid at Work", "295.00", 3),
    ("EFAW", "Emergency First Aid at Work", "125.00", 1),
    ("FAWR", "First Aid at Work Requalification", "225.00", 2),
    ("PFA", "Paediatric First Aid", "165.00", 2),
    ("FM", "Fire Marshal", "110.00", 1),
    ("MH", "Manual Handling", "85.00", 1),
    ("FH2", "Food Hygiene Level 2", "75.00", 1),
    ("IOSH", "IOSH Managing Safely", "595.00", 3),
    ("MHFA", "Mental Health First Aid", "275.00", 2),
    ("WAH", "Working at Height", "120.00", 1),
]

VENUES = [
    ("Leeds Training Centre", "1 Market Street\nLeeds\nLS1 6DT"),
    ("Manchester Piccadilly Suite", "40 Piccadilly\nManchester\nM1 2AP"),
    ("Birmingham Jewellery Quarter", "12 Vyse Street\nBirmingham\nB18 6LT"),
    ("London Farringdon", "85 Cowcross Street\nLondon\nEC1M 6BP"),
    ("Bristol Harbourside", "3 Canons Way\nBristol\nBS1 5LL"),
]

ORGANISATIONS = [
    ("Acme Logistics Ltd", "Unit 4, Thorpe Park\nLeeds\nLS15 8GB"),
    ("Brightwater Care Homes", "22 Park Row\nBristol\nBS1 5LJ"),
    ("Castlegate Construction plc", "Castlegate House\nYork\nYO1 9RN"),
    ("Dales Veterinary Group", "7 Market Place\nSkipton\nBD23 1DS"),
    ("Elm Tree Primary School", "Elm Tree Lane\nSheffield\nS11 8QT"),
    ("Fenwick & Partners LLP", "100 Grey Street\nNewcastle upon Tyne\nNE1 6BL"),
    ("Greenfield Foods Ltd", "Greenfield Way\nPeterborough\nPE2 6XU"),
    ("Harbour Hotels Group", "The Quay\nPoole\nBH15 1HJ"),
    ("Ironbridge Engineering", "Coalport Road\nTelford\nTF8 7HT"),
    ("Juniper Nursery Group", "14 Juniper Close\nReading\nRG1 3AA"),
    ("Kestrel Retail Ltd", "Kestrel House, Kings Road\nBrighton\nBN1 1NA"),
    ("Lakeside Leisure Centre", "Lakeside Drive\nKendal\nLA9 4LJ"),
    ("Moorland Housing Trust", "3 Moor Lane\nExeter\nEX4 3AZ"),
    ("Northgate NHS Foundation Trust", "Northgate Hospital\nMorpeth\nNE61 3BP"),
    ("Oakwood Manufacturing Ltd", "Oakwood Industrial Estate\nDerby\nDE21 4BX"),
]
JOB_TITLES = ["Office Manager", "HR Advisor", "Site Supervisor", "Team Leader", "Care Assistant",
              "Health and Safety Officer", "Administrator", "Operations Manager", ""]  # fmt: skip


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words("""
Oliver George Harry Jack Jacob Noah Charlie Thomas Oscar William James Leo Alfie
Henry Archie Joshua Freddie Ethan Isaac Alexander Joseph Edward Samuel Max Daniel Arthur Lucas
Mohammed Logan Theo Olivia Amelia Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie Isabella
Sophie Ivy Freya Harper Willow Charlotte Jessica Ruby Daisy Alice Florence Sienna Phoebe Imogen
Layla Zara Aisha Megan Hannah Chloe Niamh Siobhan Rhys Dylan Owen Callum Fraser Ewan""")
LAST_NAMES = _words("""
Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson
Evans Walker White Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis Harris Martin Cooper
Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson
Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins
Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Ali
Hussain Shah Ahmed O'Brien McDonald Campbell Stewart MacLeod Fraser Reid Hughes Edwards
Lloyd""")

FAMILIES = ["Thompson", "Nowak", "Okonkwo", "Fitzgerald", "Chen", "Bhatt", "Murray", "Lindqvist"]

CONTACT_COUNT = 200
SCHEDULE_COUNT = 40


def is_loaded() -> bool:
    return User.objects.filter(username=MARKER_USERNAME).exists()


def logins() -> list[Login]:
    return [*STAFF, FAMILY_LOGIN, STUDENT_LOGIN]


def _user(login: Login) -> User:
    user = User.objects.create_user(
        username=login.username,
        password=PASSWORD,
        first_name=login.first_name,
        last_name=login.last_name,
        email=f"{login.username}@northwind-training.example",
    )
    user.groups.add(Group.objects.get(name=login.role))
    return user


def _mobiles(rng: random.Random, count: int) -> list[str]:
    # Ofcom's drama range 07700 900000-900999 is reserved for fiction: never a real phone.
    numbers = rng.sample(range(1000), count)
    return [f"07700 900{n:03d}" for n in numbers]


def _at(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


def load(*, stdout=None) -> dict[str, int]:
    """Load everything; the caller checks `is_loaded()` first and wraps this in a transaction."""
    rng = random.Random(2025)
    users = {login.username: _user(login) for login in logins()}
    admin = users["admin"]
    trainers = [users["trainer"], users["trainer2"], users["trainer3"]]
    mobiles = iter(_mobiles(rng, CONTACT_COUNT))

    # Contacts: adults with mobiles; families' children below.
    adults: list[Contact] = []
    used_names: set[tuple[str, str]] = set()
    student = contact_services.contact_create(
        actor=admin,
        first_name=STUDENT_LOGIN.first_name,
        last_name=STUDENT_LOGIN.last_name,
        email="chloe.evans@example.co.uk",
        mobile=next(mobiles),
        date_of_birth=date(2001, 6, 2),
    )
    Contact.objects.filter(pk=student.pk).update(user=users["student"])
    adults.append(student)
    # The contact the README's search example finds: "07700 900123" in any spelling.
    adults.append(
        contact_services.contact_create(
            actor=admin,
            first_name="Ann",
            last_name="Smith",
            email="ann.smith@example.co.uk",
            mobile="07700 900123",
        )
    )
    while len(adults) < CONTACT_COUNT - 16:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if (first, last) in used_names:
            continue
        used_names.add((first, last))
        mobile = next(mobiles)
        if mobile == "07700 900123":
            mobile = next(mobiles)
        adults.append(
            contact_services.contact_create(
                actor=admin,
                first_name=first,
                last_name=last,
                email=f"{first}.{last}@example.co.uk".lower().replace("'", ""),
                mobile=mobile,
            )
        )

    # Organisations with 3-8 members each (some people work for two).
    organisations = []
    for name, address in ORGANISATIONS:
        slug = name.split()[0].lower()
        org = contact_services.organisation_create(
            actor=admin,
            name=name,
            billing_address=address,
            billing_email=f"accounts@{slug}.example.co.uk",
        )
        organisations.append(org)
        for contact in rng.sample(adults[2:], rng.randint(3, 8)):
            if not contact.memberships.filter(organisation=org).exists():
                contact_services.membership_add(
                    actor=admin, organisation=org, contact=contact, job_title=rng.choice(JOB_TITLES)
                )

    # Families: an account email and 1-3 children each; the first one has the portal login.
    families = []
    today = timezone.localdate()
    children = 0
    for i, surname in enumerate(FAMILIES):
        kids = []
        for _ in range(rng.randint(1, 3) if i else 2):
            if children >= 30:
                break
            age = rng.randint(5, 17)
            kids.append(
                contact_services.contact_create(
                    actor=admin,
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=surname,
                    date_of_birth=today - timedelta(days=365 * age + rng.randint(0, 364)),
                )
            )
            children += 1
        families.append(
            contact_services.family_create(
                actor=admin,
                name=f"The {surname} family",
                account_email=f"{surname.lower()}.family@example.co.uk",
                students=kids,
                user=users["family"] if i == 0 else None,
            )
        )
    users["family"].email = families[0].account_email
    users["family"].save(update_fields=["email"])

    # Courses, venues, schedules with their timetable sessions.
    courses = [
        schedule_services.course_create(
            actor=admin,
            code=code,
            title=title,
            default_price=Decimal(price),
            vat_rate=Decimal("0.2000"),
            description=f"{days}-day course.",
        )
        for code, title, price, days in COURSES
    ]
    days_of = {code: days for code, _, _, days in COURSES}
    venues = [
        schedule_services.venue_create(actor=admin, name=name, address=address)
        for name, address in VENUES
    ]
    # (offset in days from today, course pool): past, in progress (a 3-day course that began
    # yesterday, a 2-day one that begins today) and upcoming.
    three_day = [c for c in courses if days_of[c.code] == 3]
    two_day = [c for c in courses if days_of[c.code] == 2]
    plan = (
        [(-rng.randint(3, 120), courses) for _ in range(14)]
        + [(-1, three_day), (-1, three_day), (-1, three_day), (0, two_day)]
        + [(rng.randint(1, 150), courses) for _ in range(SCHEDULE_COUNT - 18)]
    )
    plan.sort(key=lambda item: item[0])
    schedules = []
    for n, (offset, pool) in enumerate(plan):
        course = rng.choice(pool)
        days = days_of[course.code]
        first_day = today + timedelta(days=offset)
        last_day = first_day + timedelta(days=days - 1)
        schedule = schedule_services.schedule_create(
            actor=admin,
            course=course,
            start_at=_at(first_day, time(9, 0)),
            end_at=_at(last_day, time(16, 30)),
            capacity=rng.choice([8, 10, 12, 12, 16]),
            venue=rng.choice(venues),
            trainer=trainers[n % len(trainers)],
        )
        for d in range(days):
            schedule_services.session_add(
                actor=admin,
                schedule=schedule,
                date=first_day + timedelta(days=d),
                start_time=time(9, 0),
                end_time=time(16, 30),
            )
        schedules.append(schedule)

    return {
        "users": len(users),
        "contacts": Contact.objects.count(),
        "organisations": len(organisations),
        "families": len(families),
        "courses": len(courses),
        "venues": len(venues),
        "schedules": len(schedules),
    }


def logins_table() -> str:
    rows = [("Username", "Password", "Role", "Sees")] + [
        (login.username, PASSWORD, login.role, login.note) for login in logins()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[j]) for j, cell in enumerate(row)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
