"""History that cannot be rewritten: audit events are append-only in Python and in the
database (PostgreSQL or SQLite triggers, whichever the suite runs on), and emptying the whole
database on purpose (flush) still works."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from core.append_only import ImmutableRowError
from core.audit import audit_record
from core.models import AuditEvent
from invoicing.models import Invoice
from tests.invoicing.factories import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(admin_user, nobody) -> AuditEvent:
    audit_record(actor=admin_user, target=nobody, action="test.done", summary="Done", reason="r")
    return AuditEvent.objects.get()


def refused(sql: str) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    except DatabaseError:
        return True
    return False


def test_the_model_layer_refuses_to_change_or_delete_history(event, nobody):
    event.summary = "Rewritten"
    with pytest.raises(ImmutableRowError):
        event.save()
    with pytest.raises(ImmutableRowError):
        event.delete()
    with pytest.raises(ImmutableRowError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="Rewritten")
    with pytest.raises(ImmutableRowError):
        AuditEvent.objects.for_object(nobody).delete()
    assert AuditEvent.objects.for_object(nobody).get().summary == "Done"


def test_the_database_refuses_to_change_or_delete_history(event):
    assert refused("UPDATE core_auditevent SET summary = 'Rewritten'")
    assert refused("UPDATE core_auditevent SET actor_id = NULL")
    assert refused("DELETE FROM core_auditevent")
    assert AuditEvent.objects.get().summary == "Done"
    # Inserting is what history is for, one by one or in bulk (core.transactions).
    AuditEvent.objects.bulk_create(
        [AuditEvent(target_type=event.target_type, target_id=event.target_id, action="a")] * 2
    )
    assert AuditEvent.objects.count() == 3


def test_a_user_with_history_is_not_deleted(event, admin_user, nobody):
    with pytest.raises(ProtectedError):
        admin_user.delete()
    nobody.delete()  # history *about* a user is kept, but does not hold them
    assert AuditEvent.objects.get().actor == admin_user


@pytest.mark.django_db(transaction=True)  # as the transactional test cases' own flush
def test_flush_still_empties_a_guarded_database(event, finance_user):
    """tests (transactional cases) and `demo_data --reset` flush: TRUNCATE on PostgreSQL, which
    row triggers do not see; on SQLite the triggers are lifted for the flush and come back."""
    issue(finance_user)
    triggers = _trigger_names()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists() and not Invoice.objects.exists()
    assert _trigger_names() == triggers
    issue(None)
    assert refused("DELETE FROM core_auditevent")
    assert refused("DELETE FROM invoicing_invoice")


def _trigger_names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {name for (name,) in cursor.fetchall()}
