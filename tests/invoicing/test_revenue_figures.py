"""The revenue figures kept by the ledger services (invoicing.services.revenue) equal the
figures recomputed from the raw ledger rows (the data migration's rebuild), after any sequence
of operations; folding changes nothing; concurrent invoicing never waits on a summary row."""

import datetime
import threading
from collections import defaultdict
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant, run_state_machine_as_test

from bookings.models import BookingType
from bookings.services import booking_cancel_delegates, booking_create
from invoicing.models import Invoice, Refund, RevenueEntry, RevenueTotal
from invoicing.services import (
    LineSpec,
    billing_account_for,
    credit_note_issue,
    invoice_issue,
    ledger_operation,
    payment_reallocate,
    payment_record,
    refund_issue,
    refund_state_set,
)
from invoicing.services.revenue import revenue_fold, revenue_rebuild, shares
from tests.bookings.factories import ContactFactory, CourseFactory, ScheduleFactory
from tests.db_guards import guards_lifted
from tests.invoicing.factories import account, gross_line
from tests.invoicing.test_ledger_state_machine import LedgerMachine

TOLERANCE = D("1e-9")  # shares are kept to 12 places; the report rounds cells to pennies


def kept_figures() -> dict:
    """(whole_month, day, course) -> [invoiced, credited, paid, outstanding]: the totals plus
    the entries not folded yet, at both levels."""
    out: dict = defaultdict(lambda: [D(0)] * 4)
    for wm, day, key, *values in RevenueTotal.objects.values_list(
        "whole_month", "day", "course_key", "invoiced", "credited", "paid", "outstanding"
    ):
        out[(wm, day, key)] = [a + b for a, b in zip(out[(wm, day, key)], values, strict=True)]
    for day, key, *values in RevenueEntry.objects.values_list(
        "day", "course_key", "invoiced", "credited", "paid", "outstanding"
    ):
        for k in ((False, day, key), (True, day.replace(day=1), key)):
            out[k] = [a + b for a, b in zip(out[k], values, strict=True)]
    return out


def rebuilt_figures() -> dict:
    """The same, recomputed from the ledger rows (rolled back afterwards)."""
    sid = transaction.savepoint()
    try:
        revenue_rebuild()
        assert not RevenueEntry.objects.exists()
        return kept_figures()
    finally:
        transaction.savepoint_rollback(sid)


def assert_same(kept: dict, rebuilt: dict) -> None:
    for key in set(kept) | set(rebuilt):
        a, b = kept.get(key, [D(0)] * 4), rebuilt.get(key, [D(0)] * 4)
        assert all(abs(x - y) < TOLERANCE for x, y in zip(a, b, strict=True)), (key, a, b)


def test_shares_add_up_to_the_amount_exactly():
    parts = shares(D("100.00"), [(1, D("100.00")), (2, D("50.00")), (0, D("50.00"))], first=1)
    assert parts == {1: D("50.000000000000"), 2: D("25.000000000000"), 0: D("25.00")}
    thirds = shares(D("100.00"), [(1, D("1")), (2, D("1")), (3, D("1"))], first=1)
    assert sum(thirds.values()) == D("100.00")
    assert thirds[1] == D("33.333333333333")
    assert shares(D("5.00"), [(1, D("10.00")), (2, D("-10.00"))], first=2) == {2: D("5.00")}
    assert shares(D("5.00"), [(7, D("10.00"))], first=7) == {7: D("5.00")}


LONDON = ZoneInfo("Europe/London")


@pytest.mark.django_db
def test_bookings_credits_payments_refunds_match_the_rebuild(admin_user):
    """Courses through booking places, a two-course invoice, a cancelled delegate, an entered
    credit, payments, a reallocation, refunds (one failed) and a fold in between."""
    course_a = CourseFactory(title="First Aid", default_price=D("100.00"))
    course_b = CourseFactory(title="Fire Marshal", default_price=D("80.00"))
    start = datetime.datetime(2025, 6, 1, 9, tzinfo=LONDON)
    sa = ScheduleFactory(
        course=course_a, start_at=start, end_at=start + datetime.timedelta(hours=8)
    )
    sb = ScheduleFactory(
        course=course_b, start_at=start, end_at=start + datetime.timedelta(hours=8)
    )
    student = ContactFactory()
    with time_machine.travel(datetime.datetime(2025, 3, 10, 10, tzinfo=LONDON), tick=False):
        b1 = booking_create(
            actor=admin_user, kind=BookingType.INDIVIDUAL, schedule=sa, student=student
        )
        b2 = booking_create(
            actor=admin_user, kind=BookingType.INDIVIDUAL, schedule=sb, student=ContactFactory()
        )
        acct = billing_account_for(contact=student)
        mixed = invoice_issue(
            actor=admin_user,
            account=acct,
            lines=[
                LineSpec("A", D("100.00"), D("0.2"), booking_place_id=b1.places.get().pk),
                LineSpec("B", D("80.00"), D("0.2"), booking_place_id=b2.places.get().pk),
                LineSpec("Certificate", D("10.00"), D("0"), kind="other"),
            ],
        )
        payment_record(actor=admin_user, invoice=mixed, amount=D("100.00"), method="card")
    revenue_fold()
    assert_same(kept_figures(), rebuilt_figures())
    with time_machine.travel(datetime.datetime(2025, 4, 2, 23, 30, tzinfo=LONDON), tick=False):
        payment_record(
            actor=admin_user, invoice=Invoice.objects.get(pk=mixed.pk), amount=D("300.00"),
            method="card",
        )  # fmt: skip
        credit_note_issue(
            actor=admin_user, invoice=Invoice.objects.get(pk=mixed.pk), reason="Goodwill",
            amount=D("25.00"),
        )  # fmt: skip
        own = Invoice.objects.get(booking=b1)
        payment_reallocate(
            actor=admin_user, source=Invoice.objects.get(pk=mixed.pk), target=own,
            amount=D("50.00"),
        )  # fmt: skip
        refund = refund_issue(
            actor=admin_user, invoice=Invoice.objects.get(pk=mixed.pk), amount=D("20.00"),
            reason="Paid twice",
        )  # fmt: skip
        booking_cancel_delegates(
            actor=admin_user, booking=b2, place_ids=[b2.places.get().pk], reason="Ill"
        )
    # A refund that later fails stops counting (its row is made pending for the test: the
    # services only write completed refunds).
    pg = connection.vendor == "postgresql"
    with guards_lifted(), connection.cursor() as cursor:  # past the refund-state trigger
        cursor.execute("UPDATE invoicing_refund SET state = 'pending' WHERE id = %s", [refund.pk])
    before_fail = kept_figures()
    refund_state_set(
        actor=admin_user, refund=Refund.objects.get(pk=refund.pk), state="failed", reason="Bounced"
    )
    after_fail = kept_figures()
    assert after_fail != before_fail
    kept = kept_figures()
    assert_same(kept, rebuilt_figures())
    # Three courses (A, B and "Other") carry figures, and each day adds up to its month.
    keys = {key for (_, _, key), values in kept.items() if any(values)}
    assert keys == {course_a.pk, course_b.pk, 0}
    revenue_fold()
    assert_same(kept, kept_figures())
    if pg:
        assert not RevenueEntry.objects.exists()


class RevenueMachine(LedgerMachine):
    """The ledger state machine with one more invariant: kept figures == rebuilt figures."""

    steps = 0

    @invariant()
    def revenue_figures_match_the_rebuild(self):
        assert_same(kept_figures(), rebuilt_figures())
        RevenueMachine.steps += 1
        if RevenueMachine.steps % 3 == 0:
            revenue_fold()


@pytest.mark.django_db
@pytest.mark.slow
def test_revenue_state_machine(finance_user):
    RevenueMachine.actor = finance_user
    run_state_machine_as_test(
        RevenueMachine,
        settings=settings(
            max_examples=10,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_payments_never_wait_on_a_summary_row(needs_postgres, finance_user):
    """A transaction still open after paying an invoice (its entries written) does not hold up
    another customer's payment of the same day and course, nor a report's fold. (Issuing
    invoices queues on the gapless number anyway; payments and credits must not.)"""
    first = invoice_issue(actor=finance_user, account=account(), lines=[gross_line("10")])
    second = invoice_issue(actor=finance_user, account=account(), lines=[gross_line("20")])
    revenue_fold()
    holding, release = threading.Event(), threading.Event()
    errors: list = []

    def hold():
        try:
            with ledger_operation(kind="pay", actor=None):
                payment_record(actor=finance_user, invoice=first, amount=D("5.00"), method="cash")
                holding.set()
                release.wait(timeout=30)
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        payment_record(actor=finance_user, invoice=second, amount=D("7.00"), method="cash")
        revenue_fold()  # does not wait for (nor take) the open transaction's entries
        paid = RevenueTotal.objects.filter(whole_month=False).values_list("paid", flat=True)
        assert list(paid) == [D("7.00")]
    finally:
        release.set()
        thread.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert not errors
    assert RevenueEntry.objects.count() > 0  # the held transaction's entries, not folded yet
    revenue_fold()
    assert not RevenueEntry.objects.exists()
    assert_same(kept_figures(), rebuilt_figures())


def test_beat_task_folds_entries_into_the_totals(needs_postgres, finance_user):
    from invoicing.tasks import revenue_fold_task

    invoice = invoice_issue(actor=finance_user, account=account(), lines=[gross_line("100.00")])
    payment_record(actor=finance_user, invoice=invoice, amount=D("50.00"), method="card")
    before = kept_figures()
    assert RevenueEntry.objects.exists()
    revenue_fold_task.delay()  # eager in tests: runs the task body now
    assert not RevenueEntry.objects.exists()
    assert_same(kept_figures(), before)
