"""core.transactions: one transaction per service call tree, deferred rows written at its end."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.audit import audit_record
from core.models import AuditEvent
from core.transactions import insert_later, locked, remember_lock, service_atomic

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_inner_services_join_without_a_savepoint(admin_user):
    def inner_service():
        with service_atomic():
            Group.objects.create(name="inner")

    def outer_service():
        with service_atomic(), service_atomic():
            inner_service()

    with CaptureQueriesContext(connection) as ctx:
        outer_service()
    savepoints = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 1  # the outer block only (BEGIN in production)


def test_deferred_rows_are_written_when_the_outer_block_ends(admin_user):
    with service_atomic():
        with service_atomic():
            audit_record(actor=admin_user, target=admin_user, action="t.one", summary="one")
            insert_later([Group(name="later")])
        assert not AuditEvent.objects.exists()  # not yet: nobody reads them back
        assert not Group.objects.filter(name="later").exists()
        audit_record(actor=admin_user, target=admin_user, action="t.two", summary="two")
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "t.one",
        "t.two",
    ]
    assert Group.objects.filter(name="later").exists()


def test_rows_of_several_tables_are_one_statement_on_postgresql(needs_postgres, admin_user):
    with CaptureQueriesContext(connection) as ctx, service_atomic():
        audit_record(actor=admin_user, target=admin_user, action="t", summary="s")
        insert_later([Group(name="a"), Group(name="b")])
    inserts = [q["sql"] for q in ctx.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == 1 and inserts[0].startswith("WITH w0 AS (INSERT INTO")
    assert AuditEvent.objects.count() == 1
    assert Group.objects.filter(name__in=["a", "b"]).count() == 2


def test_an_error_writes_nothing(admin_user):
    with pytest.raises(Boom), service_atomic():
        audit_record(actor=admin_user, target=admin_user, action="t", summary="s")
        raise Boom
    assert not AuditEvent.objects.exists()


def test_outside_a_service_rows_are_written_at_once(admin_user):
    event = audit_record(actor=admin_user, target=admin_user, action="t", summary="s")
    assert event.pk is not None and AuditEvent.objects.filter(pk=event.pk).exists()


def test_inside_a_savepoint_rows_are_written_at_once_and_roll_back_with_it(admin_user):
    with service_atomic():
        with pytest.raises(Boom), transaction.atomic():
            audit_record(actor=admin_user, target=admin_user, action="dropped", summary="s")
            assert AuditEvent.objects.filter(action="dropped").exists()  # written now
            raise Boom
        audit_record(actor=admin_user, target=admin_user, action="kept", summary="s")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["kept"]


def test_locks_are_remembered_only_for_the_service_transaction(admin_user):
    group = Group.objects.create(name="g")
    remember_lock(group)  # no service transaction: nothing kept
    with service_atomic():
        assert locked(Group, group.pk) is None
        remember_lock(Group.objects.select_for_update().get(pk=group.pk))
        with service_atomic():
            assert locked(Group, group.pk) == group
        with transaction.atomic():  # a savepoint may roll back: not trusted inside it
            assert locked(Group, group.pk) is None
    with service_atomic():
        assert locked(Group, group.pk) is None


def test_insert_later_refuses_saved_rows(admin_user):
    group = Group.objects.create(name="saved")
    with pytest.raises(ValueError), service_atomic():
        insert_later([group])
