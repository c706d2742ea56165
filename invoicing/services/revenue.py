"""The revenue figures behind the revenue report, kept by the ledger services.

Every service that writes a ledger row the report counts appends `RevenueEntry` rows in the
same transaction (inserts only: two customers invoiced at once never wait on a shared row).
`revenue_fold()` moves the entries into the per-day and per-month `RevenueTotal` rows in one
statement; the report folds before it reads and adds whatever is still unfolded, so it always
shows the ledger as committed. `revenue_rebuild()` recomputes everything from the ledger rows
(the data migration's SQL; the bench generator after COPY; the tests compare the two).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.transactions import insert_later

from ..ledger import ZERO
from ..models import Invoice, InvoiceLine, RevenueEntry, RevenueTotal

PLACES = Decimal("1e-12")
FOLD_LOCK = 0x7265_7665  # pg advisory lock key of the fold ("reve")

# --- shares -----------------------------------------------------------------------------------


def course_key(course_id: int | None) -> int:
    return course_id or 0


def invoice_weights(invoice_id: int) -> tuple[list[tuple[int, Decimal]], int]:
    """The gross of an invoice's lines per course (in course order, "Other" last) and the
    course of its first line."""
    rows = InvoiceLine.objects.filter(invoice_id=invoice_id).values_list(
        "position", "gross", "course_id"
    )
    return _weights((pos, gross, course_key(course)) for pos, gross, course in rows)


def _weights(rows: Iterable[tuple[int, Decimal, int]]) -> tuple[list[tuple[int, Decimal]], int]:
    by_course: dict[int, Decimal] = defaultdict(lambda: ZERO)
    first = 0
    for position, gross, key in rows:
        by_course[key] += gross
        if position == 1:
            first = key
    ordered = sorted(by_course.items(), key=lambda kv: (kv[0] == 0, kv[0]))
    return ordered, first


def shares(amount: Decimal, weights: list[tuple[int, Decimal]], first: int) -> dict[int, Decimal]:
    """The part of an invoice-level amount that falls on each course: amount x course gross /
    invoice gross (12 places), the last course taking the remainder so the parts add up to the
    amount exactly. An invoice of 0 puts it all on its first line's course."""
    total = sum((g for _, g in weights), ZERO)
    if total == 0 or len(weights) <= 1:
        return {first if total == 0 or not weights else weights[0][0]: amount}
    out, left = {}, amount
    for key, gross in weights[:-1]:
        part = (amount * gross / total).quantize(PLACES)
        out[key] = part
        left -= part
    out[weights[-1][0]] = left
    return out


# --- entries (called by the services inside their transaction) ----------------------------------


def _write(entries: dict[tuple[datetime.date, int], dict[str, Decimal]]) -> None:
    rows = [
        RevenueEntry(day=day, course_key=key, **values)
        for (day, key), values in entries.items()
        if any(values.values())
    ]
    # Read by the fold and the report only, never by a service before commit: written with
    # the service transaction's other deferred rows (one statement for all of them).
    insert_later(rows)


def record_issue(invoice: Invoice, lines: list[dict]) -> None:
    """A new invoice: its lines' gross per course invoiced, all of it outstanding."""
    weights, first = _weights(
        (r["position"], r["gross"], course_key(r.get("course_id"))) for r in lines
    )
    invoice._revenue_weights = (weights, first)
    entries: dict = defaultdict(lambda: {"invoiced": ZERO, "outstanding": ZERO})
    for key, gross in weights:
        entries[(invoice.issue_date, key)]["invoiced"] += gross
    for key, part in shares(invoice.outstanding, weights, first).items():
        entries[(invoice.issue_date, key)]["outstanding"] += part
    _write(entries)


def _invoice_shares(invoice: Invoice, amount: Decimal) -> dict[int, Decimal]:
    cached = getattr(invoice, "_revenue_weights", None)
    if cached is None:
        cached = invoice._revenue_weights = invoice_weights(invoice.pk)
    return shares(amount, *cached)


def record_outstanding(invoice: Invoice, change: Decimal) -> None:
    """The invoice's cached outstanding changed by `change` (on its issue date)."""
    if change:
        _write(
            {(invoice.issue_date, key): {"outstanding": part}
             for key, part in _invoice_shares(invoice, change).items()}
        )  # fmt: skip


def record_paid(invoice: Invoice, day: datetime.date, amount: Decimal) -> None:
    """Money attributed to the invoice on `day` (an allocation: signed; a refund: negative)."""
    if amount:
        _write(
            {(day, key): {"paid": part} for key, part in _invoice_shares(invoice, amount).items()}
        )


def record_credit(day: datetime.date, lines: Iterable[tuple[InvoiceLine, Decimal]]) -> None:
    """Credit note lines: (the invoice line credited, gross credited), on the note's date."""
    entries: dict = defaultdict(lambda: {"credited": ZERO})
    for line, gross in lines:
        entries[(day, course_key(line.course_id))]["credited"] += gross
    _write(entries)


def refund_day(refund) -> datetime.date:
    return timezone.localdate(refund.created_at)


# --- fold and rebuild -----------------------------------------------------------------------------

FIGURES = ("invoiced", "credited", "paid", "outstanding")


def _month_start(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _insert_totals(source: str, *, upsert: bool) -> str:
    """INSERT the rows of `source` (day, course_key, figures) into the day and month totals."""
    sums = ", ".join(f"SUM({f})" for f in FIGURES)
    cols = ", ".join(FIGURES)
    sql = (
        f"INSERT INTO invoicing_revenuetotal (whole_month, day, course_key, {cols}) "
        f"SELECT whole_month, day, course_key, {sums} FROM ("
        f"SELECT FALSE AS whole_month, day, course_key, {cols} FROM {source} UNION ALL "
        f"SELECT TRUE, {_month_start('day')}, course_key, {cols} FROM {source}"
        ") AS both_levels GROUP BY whole_month, day, course_key"
    )
    if upsert:
        sets = ", ".join(f"{f} = invoicing_revenuetotal.{f} + EXCLUDED.{f}" for f in FIGURES)
        sql += f" ON CONFLICT (whole_month, day, course_key) DO UPDATE SET {sets}"
    return sql


def revenue_fold() -> None:
    """Move the unfolded entries into the totals (PostgreSQL; one statement, so it commits as a
    whole). A fold already running elsewhere is not waited for: the report adds the entries
    still unfolded. Entries committed while it runs stay for the next fold."""
    if connection.vendor != "postgresql":
        return
    cols = ", ".join(FIGURES)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH go AS (SELECT pg_try_advisory_xact_lock(%s) AS ok), "
            "moved AS (DELETE FROM invoicing_revenueentry WHERE (SELECT ok FROM go) "
            f"RETURNING day, course_key, {cols}) " + _insert_totals("moved", upsert=True),
            [FOLD_LOCK],
        )


def rebuild_sql(vendor: str, time_zone: str) -> tuple[str, list]:
    """INSERT INTO invoicing_revenuetotal every figure recomputed from the ledger rows
    (set-based: a few seconds for 100,000 invoices). Migration 0004 ran a frozen copy of it."""
    pg = vendor == "postgresql"
    refund_day_sql = "CAST((r.created_at AT TIME ZONE %s) AS date)" if pg else "date(r.created_at)"
    # SQLite keeps 120.00 as the integer 120: divide in floating point there (a dev database).
    ratio = "{a} * s.gross / s.gross_total" if pg else "CAST({a} AS REAL) * s.gross / s.gross_total"
    share = (
        "CASE WHEN s.gross_total = 0 THEN (CASE WHEN s.has_first = 1 THEN {a} ELSE 0 END) "
        f"WHEN s.groups = 1 THEN {{a}} ELSE ROUND({ratio}, 12) END"
    )
    facts = f"""
WITH line_course AS (
  SELECT l.id AS line_id, l.invoice_id, l.position, l.gross, COALESCE(l.course_id, 0) AS course_key
  FROM invoicing_invoiceline l
), weights AS (
  SELECT invoice_id, course_key, SUM(gross) AS gross,
         MAX(CASE WHEN position = 1 THEN 1 ELSE 0 END) AS has_first
  FROM line_course GROUP BY invoice_id, course_key
), s AS (
  SELECT w.invoice_id, w.course_key, w.gross, w.has_first, i.gross_total, i.issue_date,
         i.outstanding, COUNT(*) OVER (PARTITION BY w.invoice_id) AS groups
  FROM weights w JOIN invoicing_invoice i ON i.id = w.invoice_id
), facts AS (
  SELECT s.issue_date AS day, s.course_key, s.gross AS invoiced, 0 AS credited, 0 AS paid,
         {share.format(a="s.outstanding")} AS outstanding
  FROM s
  UNION ALL
  SELECT cn.issue_date, lc.course_key, 0, cnl.gross, 0, 0
  FROM invoicing_creditnoteline cnl
  JOIN invoicing_creditnote cn ON cn.id = cnl.credit_note_id
  JOIN line_course lc ON lc.line_id = cnl.invoice_line_id
  UNION ALL
  SELECT p.received_on, s.course_key, 0, 0, {share.format(a="a.amount")}, 0
  FROM invoicing_allocation a
  JOIN invoicing_payment p ON p.id = a.payment_id
  JOIN s ON s.invoice_id = a.invoice_id
  UNION ALL
  SELECT {refund_day_sql}, s.course_key, 0, 0, -({share.format(a="r.amount")}), 0
  FROM invoicing_refund r
  JOIN s ON s.invoice_id = r.invoice_id
  WHERE r.state IN ('pending', 'completed')
)
"""
    return facts + _insert_totals("facts", upsert=False), ([time_zone] if pg else [])


def revenue_rebuild() -> None:
    """Recompute all the totals from the ledger (after rows were written without the services,
    e.g. the bench generator's COPY). Concurrent ledger services wait for it to finish."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE invoicing_revenueentry IN EXCLUSIVE MODE")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FOLD_LOCK])
        RevenueEntry.objects.all().delete()
        RevenueTotal.objects.all().delete()
        sql, params = rebuild_sql(connection.vendor, settings.TIME_ZONE)
        cursor.execute(sql, params)
