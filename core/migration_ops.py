"""Migration operations that only apply on one database (trigram indexes, triggers).

PostgreSQL gets its trigram indexes and PL/pgSQL triggers; the embedded SQLite default gets
the same guards as SQLite triggers where SQLite can express them (append-only tables, fixed
columns, allowed state moves), so the demo refuses what production refuses. The search and
ledger code work without either, only slower or with fewer database-level guards.

SQLite caveat: when a later migration alters a guarded table, Django's SQLite schema editor
rebuilds it (new table, copy, drop, rename) and its triggers go with the old table. Such a
migration must create them again; tests/core/test_sqlite_guards.py fails until it does.
"""

from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class SQLiteOnlySQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "sqlite":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "sqlite":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


# --- SQLite trigger statements (each a whole CREATE TRIGGER, given to RunSQL as a list) ------


def _raise(message: str) -> str:
    return "SELECT RAISE(ABORT, '" + message.replace("'", "''") + "');"


def _changed(cols: str) -> str:
    """`NEW.a IS NOT OLD.a OR ...` for a comma-separated column list."""
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in (c.strip() for c in cols.split(",")))


def sqlite_append_only(table: str) -> tuple[list[str], list[str]]:
    """(forwards, backwards): refuse every UPDATE and DELETE of `table`."""
    forwards = [
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN "
        + _raise(f"{table} rows are append-only: {op} refused")
        + " END;"
        for op in ("UPDATE", "DELETE")
    ]
    backwards = [f"DROP TRIGGER IF EXISTS {table}_no_{op};" for op in ("update", "delete")]
    return forwards, backwards


def sqlite_no_delete(table: str, message: str) -> tuple[list[str], list[str]]:
    return (
        [f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN {_raise(message)} END;"],
        [f"DROP TRIGGER IF EXISTS {table}_no_delete;"],
    )


def sqlite_fixed_columns(table: str, cols: str, message: str) -> tuple[list[str], list[str]]:
    """Refuse an UPDATE that changes any of `cols` (comma-separated); others may change."""
    return (
        [
            f"CREATE TRIGGER {table}_fixed BEFORE UPDATE ON {table} "
            f"WHEN {_changed(cols)} BEGIN {_raise(message)} END;"
        ],
        [f"DROP TRIGGER IF EXISTS {table}_fixed;"],
    )


def sqlite_trigger(name: str, sql: str) -> tuple[list[str], list[str]]:
    """Any other trigger: `sql` is the whole CREATE TRIGGER statement."""
    return [sql], [f"DROP TRIGGER IF EXISTS {name};"]


def sqlite_guards(*parts: tuple[list[str], list[str]]) -> SQLiteOnlySQL:
    """One operation creating all the given triggers (dropped in reverse order backwards)."""
    forwards = [sql for f, _ in parts for sql in f]
    backwards = [sql for _, b in reversed(parts) for sql in b]
    return SQLiteOnlySQL(forwards, backwards)
