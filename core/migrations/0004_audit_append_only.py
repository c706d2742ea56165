"""History that cannot be rewritten: audit events are append-only in the database.

PostgreSQL: a trigger refuses UPDATE and DELETE of `core_auditevent` rows; SQLite: the same
as two SQLite triggers. Only inserts are allowed (core.transactions writes them in bulk at the
end of a service block). TRUNCATE is not a row operation and is not refused: `manage.py
flush` (tests, `demo_data --reset`) empties the table on purpose.

A user with history can no longer be deleted (the actor's SET NULL would be an UPDATE):
`actor` becomes PROTECT, so Django refuses before the database does.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.migration_ops import PostgresOnlySQL, sqlite_append_only, sqlite_guards

PG_FORWARDS = [
    """
CREATE OR REPLACE FUNCTION core_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP;
END $$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION core_refuse_change();",
]
PG_BACKWARDS = [
    "DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;",
    "DROP FUNCTION IF EXISTS core_refuse_change();",
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_form_token"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        PostgresOnlySQL(PG_FORWARDS, PG_BACKWARDS),
        sqlite_guards(sqlite_append_only("core_auditevent")),
    ]
