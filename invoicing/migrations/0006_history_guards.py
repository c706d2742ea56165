"""More database guards of the ledger (see 0002), and the same guards on SQLite.

PostgreSQL:
- stored PDFs are append-only (a PDF is kept as it was sent; a new state renders a new one);
- an invoice's cached balance columns can only be set to what its raw rows derive (LEDGER
  2.3, `invoicing.ledger.derive`): a BEFORE UPDATE trigger recomputes them from the credit
  notes, allocations and counting refunds and refuses a mismatch. Updates are only the
  ledger services' `store_balances` (payments, credits, refunds, reallocations), never the
  booking path (an invoice is inserted with the balances of an invoice with no rows yet), so
  this costs the payment path three index lookups and the booking path nothing. Drift that
  no UPDATE shows (rows written around the services) is reported by `manage.py ledger_verify`
  (nightly on beat).

Also the table of `ledger_verify`'s runs (LedgerCheck), shown on the Outbox page.

SQLite (the embedded default): the guards of 0002 and the above as SQLite triggers: ledger
rows append-only, an issued invoice's fixed columns, its balances, a refund's state moves,
stored PDFs. TRUNCATE does not exist there: `manage.py flush` lifts the triggers for the flush
(core/management/commands/flush.py).
"""

from django.db import migrations, models

from core.migration_ops import (
    PostgresOnlySQL,
    sqlite_append_only,
    sqlite_fixed_columns,
    sqlite_guards,
    sqlite_no_delete,
    sqlite_trigger,
)

# As in 0002 (migrations keep their own copy: they describe the schema of their time).
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

PG_FORWARDS = [
    "CREATE TRIGGER invoicing_storedpdf_append_only BEFORE UPDATE OR DELETE ON "
    "invoicing_storedpdf FOR EACH ROW EXECUTE FUNCTION invoicing_refuse_change();",
    """
CREATE OR REPLACE FUNCTION invoicing_invoice_balances_guard() RETURNS trigger AS $$
DECLARE
  credited numeric; paid numeric; refunded numeric; due numeric; held numeric; st text;
BEGIN
  SELECT
    COALESCE((SELECT SUM(gross_total) FROM invoicing_creditnote WHERE invoice_id = NEW.id), 0),
    COALESCE((SELECT SUM(amount) FROM invoicing_allocation WHERE invoice_id = NEW.id), 0),
    COALESCE((SELECT SUM(amount) FROM invoicing_refund
              WHERE invoice_id = NEW.id AND state IN ('pending', 'completed')), 0)
  INTO credited, paid, refunded;
  due := NEW.gross_total - credited;
  held := paid - refunded;
  st := CASE WHEN held <= 0 AND due > 0 THEN 'Outstanding'
             WHEN held < due THEN 'Part Completed'
             ELSE 'Completed' END;
  IF (NEW.credited_total, NEW.paid_total, NEW.refunded_total, NEW.outstanding,
      NEW.overpayment, NEW.status, NEW.overpaid)
     IS DISTINCT FROM
     (credited, paid, refunded, GREATEST(due - held, 0), GREATEST(held - due, 0), st,
      held > due) THEN
    RAISE EXCEPTION 'invoice % balances must be what its ledger rows derive: credited %, paid %, refunded %, outstanding %, overpayment %, status %',
      NEW.display_no, credited, paid, refunded, GREATEST(due - held, 0),
      GREATEST(held - due, 0), st;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
""",
    "CREATE TRIGGER invoicing_invoice_balances BEFORE UPDATE ON invoicing_invoice "
    "FOR EACH ROW EXECUTE FUNCTION invoicing_invoice_balances_guard();",
]
PG_BACKWARDS = [
    "DROP TRIGGER IF EXISTS invoicing_invoice_balances ON invoicing_invoice;",
    "DROP FUNCTION IF EXISTS invoicing_invoice_balances_guard();",
    "DROP TRIGGER IF EXISTS invoicing_storedpdf_append_only ON invoicing_storedpdf;",
]

# SQLite keeps these decimals as REAL (or INTEGER): sums are compared within half a penny, and
# D and N are rounded to pennies before the status comparisons (0.1 + 0.2 - 0.3 is not 0).
SQLITE_BALANCES = """
CREATE TRIGGER invoicing_invoice_balances BEFORE UPDATE ON invoicing_invoice BEGIN
  SELECT RAISE(ABORT, 'invoice balances must be what its ledger rows derive')
  FROM (
    SELECT c, p, r, round(NEW.gross_total - c, 2) AS due, round(p - r, 2) AS held FROM (
      SELECT
        COALESCE((SELECT SUM(gross_total) FROM invoicing_creditnote
                  WHERE invoice_id = NEW.id), 0) AS c,
        COALESCE((SELECT SUM(amount) FROM invoicing_allocation
                  WHERE invoice_id = NEW.id), 0) AS p,
        COALESCE((SELECT SUM(amount) FROM invoicing_refund
                  WHERE invoice_id = NEW.id AND state IN ('pending', 'completed')), 0) AS r
    )
  )
  WHERE abs(NEW.credited_total - c) >= 0.005
     OR abs(NEW.paid_total - p) >= 0.005
     OR abs(NEW.refunded_total - r) >= 0.005
     OR abs(NEW.outstanding - max(due - held, 0)) >= 0.005
     OR abs(NEW.overpayment - max(held - due, 0)) >= 0.005
     OR NEW.status IS NOT (CASE WHEN held <= 0 AND due > 0 THEN 'Outstanding'
                                WHEN held < due THEN 'Part Completed'
                                ELSE 'Completed' END)
     OR NEW.overpaid IS NOT (held > due);
END;
"""
SQLITE_REFUND_STATE = """
CREATE TRIGGER invoicing_refund_state BEFORE UPDATE OF state ON invoicing_refund
WHEN NEW.state IS NOT OLD.state
     AND NOT (OLD.state = 'pending' AND NEW.state IN ('completed', 'failed'))
BEGIN
  SELECT RAISE(ABORT, 'a refund only goes from pending to completed or failed');
END;
"""


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0005_line_course")]

    operations = [
        migrations.CreateModel(
            name="LedgerCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(auto_now_add=True)),
                ("invoices", models.PositiveIntegerField(help_text="Invoices checked.")),
                (
                    "drifted",
                    models.PositiveIntegerField(
                        help_text="Invoices whose cached balances differ."
                    ),
                ),
                ("sample", models.JSONField(blank=True, default=list)),
            ],
            options={"ordering": ["-at", "-id"]},
        ),
        PostgresOnlySQL(PG_FORWARDS, PG_BACKWARDS),
        sqlite_guards(
            *(sqlite_append_only(t) for t in [*APPEND_ONLY, "invoicing_storedpdf"]),
            sqlite_no_delete("invoicing_invoice", "invoices are never deleted"),
            sqlite_fixed_columns("invoicing_invoice", INVOICE_FIXED, "issued invoices are immutable"),
            sqlite_trigger("invoicing_invoice_balances", SQLITE_BALANCES),
            sqlite_no_delete("invoicing_refund", "refunds are never deleted"),
            sqlite_fixed_columns(
                "invoicing_refund", REFUND_FIXED, "refunds are append-only except for their state"
            ),
            sqlite_trigger("invoicing_refund_state", SQLITE_REFUND_STATE),
        ),
    ]
