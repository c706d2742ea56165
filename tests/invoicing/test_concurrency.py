"""PostgreSQL only: concurrent issuing gives distinct consecutive numbers; two concurrent
refunds of one overpayment cannot both succeed."""

import contextlib
import threading
from decimal import Decimal as D

import pytest
from django.db import connection

from core.errors import DomainError
from invoicing.models import DocumentSequence, Invoice, Refund
from invoicing.services import invoice_issue, ledger_operation, payment_record, refund_issue
from tests.invoicing.factories import account, gross_line, issue

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def run_threads(n: int, target) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i):
        try:
            barrier.wait(timeout=10)
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_twenty_threads_issue_twenty_consecutive_numbers(needs_postgres, finance_user):
    accounts = [account() for _ in range(4)]  # several customers: no shared customer lock
    issue(finance_user, acct=accounts[0])  # number 1 exists before the race

    def work(i):
        if i % 5 == 4:  # some issuers roll back after taking a number: no gap may remain
            with contextlib.suppress(RuntimeError), ledger_operation(kind="issue", actor=None):
                invoice_issue(actor=finance_user, account=accounts[i % 4], lines=[gross_line("1")])
                raise RuntimeError("rolled back after taking a number")
        return invoice_issue(
            actor=finance_user, account=accounts[i % 4], lines=[gross_line("10.00")]
        ).number

    results = run_threads(20, work)
    assert all(isinstance(r, int) for r in results), results
    assert sorted(results) == list(range(2, 22))
    assert sorted(Invoice.objects.values_list("number", flat=True)) == list(range(1, 22))
    assert DocumentSequence.objects.get(series="INV").last == 21


def test_two_concurrent_refunds_of_one_overpayment_one_wins(needs_postgres, finance_user):
    inv = issue(finance_user)  # £100
    payment_record(actor=finance_user, invoice=inv, amount=D("150"), method="card")

    def work(i):
        return refund_issue(actor=finance_user, invoice=inv, amount=D("50"), reason=f"r{i}")

    results = run_threads(2, work)
    wins = [r for r in results if isinstance(r, Refund)]
    losses = [r for r in results if isinstance(r, DomainError)]
    assert len(wins) == 1 and len(losses) == 1, results
    inv.refresh_from_db()
    assert (inv.overpayment, inv.refunded_total) == (D("0.00"), D("50.00"))
    assert Refund.objects.count() == 1
