"""The database guards (triggers) and the one sanctioned way around them on SQLite.

PostgreSQL and SQLite triggers refuse UPDATE and DELETE of history rows (audit events, ledger
rows, stored PDFs) and any change of an invoice other than its derived balances; see
core/migration_ops.py and the migrations that use it. Emptying the whole database on purpose
(`manage.py flush`: tests between transactional cases, `demo_data --reset`) must still work:

- PostgreSQL empties tables with TRUNCATE, which row triggers do not see;
- SQLite has no TRUNCATE: flush runs `DELETE FROM` each table, so the triggers are lifted for
  the flush (`sqlite_triggers_lifted`) and created again in the same transaction.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper


@contextmanager
def sqlite_triggers_lifted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Drop every trigger of an SQLite database for the block and create each again, from its
    own stored text, when the block ends. It is one transaction: if the block fails, the
    rollback brings the triggers back too (SQLite DDL is transactional)."""
    if connection.vendor != "sqlite":
        raise ValueError("only SQLite triggers are lifted this way")
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
        yield
        with connection.cursor() as cursor:
            for _, sql in triggers:
                cursor.execute(sql)
