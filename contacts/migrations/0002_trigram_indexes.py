from django.db import migrations

from core.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]

    operations = [
        PostgresOnlySQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        PostgresOnlySQL(
            "CREATE INDEX contact_search_trgm ON contacts_contact "
            "USING gin (search_text gin_trgm_ops)",
            "DROP INDEX IF EXISTS contact_search_trgm",
        ),
        PostgresOnlySQL(
            "CREATE INDEX org_name_trgm ON contacts_organisation USING gin (upper(name) gin_trgm_ops)",
            "DROP INDEX IF EXISTS org_name_trgm",
        ),
    ]
