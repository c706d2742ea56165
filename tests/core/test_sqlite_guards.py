"""The embedded SQLite default has the same database guards as production.

The suite itself runs on PostgreSQL in CI, so this builds a real embedded install in a temp
folder as `make run` does (DATABASE_URL unset: `migrate`, then `demo_data`, which writes
bookings, invoices, payments, a credit note and a refund through the services, all under the
triggers), then talks to the file with the sqlite3 module directly, as anyone with the file
could: every UPDATE or DELETE that production refuses is refused here too. Finally the flush
of `demo_data --reset` empties the database and leaves the triggers as they were.
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

REFUSED = [
    # history
    "UPDATE core_auditevent SET summary = 'rewritten'",
    "UPDATE core_auditevent SET actor_id = NULL",
    "DELETE FROM core_auditevent",
    # ledger rows
    "UPDATE invoicing_operation SET reason = 'x'",
    "DELETE FROM invoicing_operation",
    "UPDATE invoicing_invoiceline SET net = 1",
    "DELETE FROM invoicing_invoiceline",
    "UPDATE invoicing_creditnote SET gross_total = 1",
    "DELETE FROM invoicing_creditnote",
    "UPDATE invoicing_creditnoteline SET net = 1",
    "DELETE FROM invoicing_creditnoteline",
    "UPDATE invoicing_payment SET amount = 1",
    "DELETE FROM invoicing_payment",
    "UPDATE invoicing_allocation SET amount = 1",
    "DELETE FROM invoicing_allocation",
    # an issued invoice: fixed columns, never deleted, balances only as the rows derive
    "UPDATE invoicing_invoice SET gross_total = 1",
    "UPDATE invoicing_invoice SET po_number = 'x'",
    "UPDATE invoicing_invoice SET seller = '{}'",
    "DELETE FROM invoicing_invoice",
    "UPDATE invoicing_invoice SET paid_total = paid_total + 1",
    "UPDATE invoicing_invoice SET outstanding = 0",
    "UPDATE invoicing_invoice SET status = 'Completed' WHERE status != 'Completed'",
    "UPDATE invoicing_invoice SET overpaid = 1 - overpaid",
    # refunds: only pending -> completed | failed
    "UPDATE invoicing_refund SET amount = 1",
    "UPDATE invoicing_refund SET reason = 'x'",
    "UPDATE invoicing_refund SET state = 'failed' WHERE state = 'completed'",
    "DELETE FROM invoicing_refund",
    # stored PDFs
    "UPDATE invoicing_storedpdf SET content = x'00'",
    "DELETE FROM invoicing_storedpdf",
]

ALLOWED = [
    # every demo invoice's cached balances are what its rows derive (REAL sums included)
    "UPDATE invoicing_invoice SET status = status, paid_total = paid_total",
    # a pending refund completes
    "INSERT INTO invoicing_refund (payment_id, invoice_id, operation_id, amount, state, reason,"
    " created_at) SELECT payment_id, invoice_id, operation_id, 0.01, 'pending', 'test',"
    " created_at FROM invoicing_refund LIMIT 1",
    "UPDATE invoicing_refund SET state = 'completed' WHERE reason = 'test'",
    "INSERT INTO invoicing_storedpdf (kind, object_id, fingerprint, filename, content,"
    " created_at) VALUES ('invoice', 1, 'f', 'a.pdf', x'25', '2026-01-01 00:00:00')",
]


def manage(var_dir: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="1",  # as `make run`
        DJANGO_EMBEDDED="1",
        EMAIL_HOST="",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def triggers(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))


def test_the_embedded_sqlite_database_refuses_what_production_refuses(tmp_path):
    manage(tmp_path, "migrate", "--noinput")
    manage(tmp_path, "demo_data")
    db = tmp_path / "db.sqlite3"
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        for sql in ALLOWED:
            conn.execute(sql)
        for sql in REFUSED:
            # Each statement must hit rows: a trigger only fires for a row it changes.
            table = sql.split()[1] if sql.startswith("UPDATE") else sql.split()[2]
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0], table
            with pytest.raises(sqlite3.DatabaseError):
                conn.execute(sql)
        assert conn.execute("SELECT count(*) FROM invoicing_refund").fetchone()[0] == 2
    finally:
        conn.close()

    before = triggers(db)
    assert len(before) >= 20
    manage(tmp_path, "flush", "--no-input")  # what `demo_data --reset` does first
    assert triggers(db) == before
    with sqlite3.connect(db) as conn:
        for table in ("core_auditevent", "invoicing_invoice", "invoicing_refund"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
