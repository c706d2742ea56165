"""`manage.py flush`, able to empty a database whose history rows are guarded by triggers.

On PostgreSQL Django's flush is a TRUNCATE, which row triggers do not see: nothing changes.
On SQLite it is a `DELETE FROM` per table, which the append-only triggers refuse: they are
lifted for the flush and put back in the same transaction (core/db_guards.py). Tests
(transactional cases end with a flush) and `demo_data --reset` go through here.
"""

from django.core.management.commands import flush
from django.db import connections

from core.db_guards import sqlite_triggers_lifted


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with sqlite_triggers_lifted(connection):
            return super().handle(**options)
