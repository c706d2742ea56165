"""Cached balances only ever hold what the ledger derives; stored PDFs are append-only.

These run on whichever database the suite uses: PostgreSQL in CI (PL/pgSQL triggers) or the
embedded SQLite (SQLite triggers); tests/core/test_sqlite_guards.py covers SQLite in CI.
"""

from decimal import Decimal as D

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing.ledger import derive
from invoicing.models import BALANCE_FIELDS, Invoice, LedgerImmutableError, StoredPdf
from invoicing.services import (
    credit_note_issue,
    payment_record,
    recompute_balances,
    refund_issue,
)
from tests.invoicing.factories import gross_line, issue

pytestmark = pytest.mark.django_db


def refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


def test_a_balance_column_cannot_be_set_to_anything_the_rows_do_not_derive(actor):
    inv = issue(actor)  # £100.00
    payment_record(actor=actor, invoice=inv, amount=D("30.00"), method="card")
    where = f" WHERE id = {inv.pk}"
    for change in [
        "paid_total = paid_total + 1",
        "paid_total = 0",
        "credited_total = 5",
        "refunded_total = 1",
        "outstanding = 0",
        "overpayment = 1",
        "status = 'Completed'",
        "status = 'Outstanding'",
        "overpaid = TRUE" if connection.vendor == "postgresql" else "overpaid = 1",
    ]:
        assert refused(f"UPDATE invoicing_invoice SET {change}{where}"), change
    # Through the ORM too: the model layer lets the balance columns through, the database not.
    with pytest.raises(DatabaseError), transaction.atomic():
        Invoice.objects.filter(pk=inv.pk).update(paid_total=D("0.00"), outstanding=D("100.00"))
    # What the rows derive is accepted (the services' own store_balances runs on every step).
    assert not refused(f"UPDATE invoicing_invoice SET status = status, paid_total = 30{where}")
    inv.refresh_from_db()
    assert (inv.paid_total, inv.outstanding, inv.status) == (
        D("30.00"),
        D("70.00"),
        "Part Completed",
    )


@given(
    payments=st.lists(st.integers(1, 15_000), max_size=3),
    credit=st.integers(0, 10_000),
    refund=st.integers(0, 5_000),
    field=st.sampled_from(BALANCE_FIELDS),
)
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_database_derives_exactly_what_the_ledger_rules_do(
    finance_user, payments, credit, refund, field
):
    """Any state the services reach: the database accepts derive()'s balances, and refuses
    them with any one field off (the SQL copy of LEDGER 2.3 agrees with invoicing.ledger)."""
    with transaction.atomic():
        inv = issue(finance_user, lines=[gross_line("100.00", "0")])
        for pence in payments:
            payment_record(actor=finance_user, invoice=inv, amount=D(pence) / 100, method="card")
        if credit:
            credit_note_issue(actor=finance_user, invoice=inv, reason="r", amount=D(credit) / 100)
        inv.refresh_from_db()
        if refund and D(refund) / 100 <= inv.overpayment:
            refund_issue(actor=finance_user, invoice=inv, amount=D(refund) / 100, reason="r")
        inv.refresh_from_db()
        derived = recompute_balances(inv).as_fields()
        assert (
            derived
            == derive(
                total=inv.gross_total,
                credited=inv.credited_total,
                paid=inv.paid_total,
                refunded=inv.refunded_total,
            ).as_fields()
        )
        Invoice.objects.filter(pk=inv.pk).update(**derived)  # accepted: what the rows derive
        wrong = dict(derived)
        if field == "status":
            wrong[field] = "Completed" if derived[field] != "Completed" else "Outstanding"
        elif field == "overpaid":
            wrong[field] = not derived[field]
        else:
            wrong[field] = derived[field] + D("0.01")
        with pytest.raises(DatabaseError), transaction.atomic():
            Invoice.objects.filter(pk=inv.pk).update(**wrong)
        transaction.set_rollback(True)


def test_stored_pdfs_are_append_only():
    pdf = StoredPdf.objects.create(
        kind=StoredPdf.Kind.INVOICE, object_id=1, fingerprint="f", filename="a.pdf", content=b"%"
    )
    pdf.filename = "b.pdf"
    with pytest.raises(LedgerImmutableError):
        pdf.save()
    with pytest.raises(LedgerImmutableError):
        pdf.delete()
    with pytest.raises(LedgerImmutableError):
        StoredPdf.objects.filter(pk=pdf.pk).update(filename="b.pdf")
    with pytest.raises(LedgerImmutableError):
        StoredPdf.objects.all().delete()
    assert refused("UPDATE invoicing_storedpdf SET content = %s", [b"forged"])
    assert refused("DELETE FROM invoicing_storedpdf")
    assert bytes(StoredPdf.objects.get().content) == b"%"
