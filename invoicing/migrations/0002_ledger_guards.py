"""Database-level guards of the ledger (PostgreSQL only): issued documents and money rows
cannot be changed or deleted, whatever code runs; plus the trigram index of the invoice search.

The only permitted updates: an invoice's cached balance columns, and a refund's state
pending -> completed | failed.
"""

from django.db import migrations

from core.migration_ops import PostgresOnlySQL

APPEND_ONLY = [
    "invoicing_operation",
    "invoicing_invoiceline",
    "invoicing_creditnote",
    "invoicing_creditnoteline",
    "invoicing_payment",
    "invoicing_allocation",
]

INVOICE_FIXED = (
    "id, account_id, operation_id, kind, series, number, display_no, issue_date, tax_point, "
    "due_date, po_number, booking_id, supersedes_id, charge_for_id, bill_to_name, seller, buyer, "
    "net_total, vat_total, gross_total, created_at"
)
REFUND_FIXED = "id, payment_id, invoice_id, operation_id, amount, reason, created_at"


def _row(prefix: str, cols: str) -> str:
    return "(" + ", ".join(f"{prefix}.{c.strip()}" for c in cols.split(",")) + ")"


FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION invoicing_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION invoicing_invoice_guard() RETURNS trigger AS $$
BEGIN
  IF {_row("NEW", INVOICE_FIXED)} IS DISTINCT FROM {_row("OLD", INVOICE_FIXED)} THEN
    RAISE EXCEPTION 'issued invoice % is immutable', OLD.display_no;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION invoicing_refund_guard() RETURNS trigger AS $$
BEGIN
  IF {_row("NEW", REFUND_FIXED)} IS DISTINCT FROM {_row("OLD", REFUND_FIXED)} THEN
    RAISE EXCEPTION 'refund % is append-only', OLD.id;
  END IF;
  IF NEW.state IS DISTINCT FROM OLD.state
     AND NOT (OLD.state = 'pending' AND NEW.state IN ('completed', 'failed')) THEN
    RAISE EXCEPTION 'refund % cannot go from % to %', OLD.id, OLD.state, NEW.state;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""

TRIGGERS = (
    "\n".join(
        f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION invoicing_refuse_change();"
        for t in APPEND_ONLY
    )
    + """
CREATE TRIGGER invoicing_invoice_no_delete BEFORE DELETE ON invoicing_invoice
  FOR EACH ROW EXECUTE FUNCTION invoicing_refuse_change();
CREATE TRIGGER invoicing_invoice_fixed BEFORE UPDATE ON invoicing_invoice
  FOR EACH ROW EXECUTE FUNCTION invoicing_invoice_guard();
CREATE TRIGGER invoicing_refund_no_delete BEFORE DELETE ON invoicing_refund
  FOR EACH ROW EXECUTE FUNCTION invoicing_refuse_change();
CREATE TRIGGER invoicing_refund_state_only BEFORE UPDATE ON invoicing_refund
  FOR EACH ROW EXECUTE FUNCTION invoicing_refund_guard();
"""
)

DROP = (
    "\n".join(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};" for t in APPEND_ONLY)
    + """
DROP TRIGGER IF EXISTS invoicing_invoice_no_delete ON invoicing_invoice;
DROP TRIGGER IF EXISTS invoicing_invoice_fixed ON invoicing_invoice;
DROP TRIGGER IF EXISTS invoicing_refund_no_delete ON invoicing_refund;
DROP TRIGGER IF EXISTS invoicing_refund_state_only ON invoicing_refund;
DROP FUNCTION IF EXISTS invoicing_refuse_change();
DROP FUNCTION IF EXISTS invoicing_invoice_guard();
DROP FUNCTION IF EXISTS invoicing_refund_guard();
"""
)


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0001_initial")]

    operations = [
        PostgresOnlySQL(FUNCTIONS + TRIGGERS, DROP),
        PostgresOnlySQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        PostgresOnlySQL(
            "CREATE INDEX invoice_bill_to_trgm ON invoicing_invoice "
            "USING gin (upper(bill_to_name) gin_trgm_ops)",
            "DROP INDEX IF EXISTS invoice_bill_to_trgm",
        ),
    ]
