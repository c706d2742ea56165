from django.db import migrations

from core.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    """One- and two-letter search terms match the start of the first or last name: trigrams
    cannot serve them, these btree pattern indexes can (selectors.contacts_matching)."""

    dependencies = [("contacts", "0003_contact_mobile_index")]

    operations = [
        PostgresOnlySQL(
            "CREATE INDEX contact_search_prefix ON contacts_contact "
            "((search_text::text) text_pattern_ops)",
            "DROP INDEX IF EXISTS contact_search_prefix",
        ),
        PostgresOnlySQL(
            "CREATE INDEX contact_last_name_prefix ON contacts_contact "
            "(upper(last_name::text) text_pattern_ops)",
            "DROP INDEX IF EXISTS contact_last_name_prefix",
        ),
    ]
