"""What one booking costs in SQL statements (issue "A leaner booking path").

Everything CaptureQueriesContext sees is counted, savepoints included. Under the `db` fixture
the service's own transaction is a SAVEPOINT / RELEASE pair inside the test's transaction; in
production it is BEGIN / COMMIT: the same two statements, so the counts are the production
ones. Each test books once first, as a running server has: Django's content-type cache and
the compiled email templates are per process.

Today (PostgreSQL), an individual booking is 15 statements: the transaction (2), the places
taken under the schedule's row lock (1, UPDATE ... RETURNING), booking, places (2; the unique
index refuses a delegate already booked on the schedule), the timetable sessions (1), the
billing account (1, upsert and lock), the ledger operation, invoice number, invoice, lines
(4), the email templates (1), the outbox messages (1) and the deferred rows: attendance,
revenue entries, outbox links and history (1), and the calendar sync's lookup of CalDAV
collections the booking concerns (1, `calendars.services.booking_changed`; nothing more when
there are none). A group adds the membership check (1) and costs the same whatever its size.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import BookingType
from bookings.services import booking_create

from .factories import ContactFactory, ScheduleFactory, organisation_with_members

pytestmark = pytest.mark.django_db

INDIVIDUAL_MAX = 15
GROUP_MAX = 16  # + the organisation membership check
EAGER_PER_EMAIL = 3  # claim (UPDATE), read the claimed row, mark sent (UPDATE)


def statements(fn) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return [q["sql"] for q in ctx.captured_queries]


def book_individual(actor, schedule, student=None, **kw):
    return booking_create(
        actor=actor,
        kind=BookingType.INDIVIDUAL,
        schedule=schedule,
        student=student or ContactFactory(),
        **kw,
    )


def group_of(delegates: int):
    return organisation_with_members(delegates + 1)


def book_group(actor, schedule, org_people):
    org, people = org_people
    return booking_create(
        actor=actor,
        kind=BookingType.GROUP,
        schedule=schedule,
        organisation=org,
        lead_booker=people[0],
        delegates=people[1:],
        idempotency_key=f"group-{org.pk}",
    )


@pytest.fixture
def warm(admin_user):
    schedule = ScheduleFactory(capacity=50)
    book_individual(admin_user, schedule, idempotency_key="warm-1")
    book_group(admin_user, schedule, group_of(1))
    return schedule


def test_individual_booking_is_at_most_15_statements(needs_postgres, admin_user, warm):
    student = ContactFactory()
    sql = statements(lambda: book_individual(admin_user, warm, student, idempotency_key="tok"))
    assert len(sql) <= INDIVIDUAL_MAX, "\n".join(sql)
    text = "\n".join(sql)
    assert "django_content_type" not in text  # content types come from the process cache
    assert not any(s.startswith('UPDATE "bookings_booking"') for s in sql)  # reference: DB
    # One savepoint: the service's own transaction. Inner services join it.
    assert sum(s.startswith("SAVEPOINT") for s in sql) == 1
    # Nobody reads the places: the unique index refuses a delegate already booked there, and
    # the ledger is given the course ids (no reach back into bookings).
    assert not any(s.startswith("SELECT") and '"bookings_bookingplace"' in s for s in sql)
    # The idempotency key is not read on the happy path: its unique index is the check.
    assert not any('"idempotency_key" = ' in s for s in sql)


def test_a_returning_customer_costs_the_same(needs_postgres, admin_user, warm):
    student = ContactFactory()
    book_individual(admin_user, warm, student)
    other = ScheduleFactory(capacity=5)
    sql = statements(lambda: book_individual(admin_user, other, student))
    assert len(sql) <= INDIVIDUAL_MAX, "\n".join(sql)


def test_a_group_costs_the_same_whatever_its_size(needs_postgres, admin_user, warm):
    two, ten = group_of(2), group_of(10)
    two = statements(lambda: book_group(admin_user, warm, two))
    ten = statements(lambda: book_group(admin_user, warm, ten))
    assert len(ten) == len(two) <= GROUP_MAX, "\n".join(ten)


def test_with_eager_email_each_message_adds_three_statements(
    needs_postgres, admin_user, warm, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    student = ContactFactory()

    def book_and_commit():
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            book_individual(admin_user, warm, student)
        assert len(callbacks) == 1

    sql = statements(book_and_commit)
    assert len(sql) <= INDIVIDUAL_MAX + EAGER_PER_EMAIL, "\n".join(sql)
    assert sql[-1].startswith('UPDATE "notifications_outboxmessage" SET "state" = \'sent\'')
