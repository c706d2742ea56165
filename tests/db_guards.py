"""Getting past the database guards in a test, to build a state the services never write
(a refund made pending again, a drifted invoice): the guards themselves are tested apart."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from core.db_guards import sqlite_triggers_lifted


@contextmanager
def guards_lifted() -> Iterator[None]:
    """Run the block with the append-only and balance triggers off (this connection only)."""
    if connection.vendor == "sqlite":
        with sqlite_triggers_lifted(connection):
            yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # Replica mode skips ordinary triggers (the test database user is a superuser).
        cursor.execute("SET LOCAL session_replication_role = replica")
        yield
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
