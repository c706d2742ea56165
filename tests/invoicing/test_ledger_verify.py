"""The nightly ledger verification: drift from any source is found, recorded and shown."""

import datetime
from decimal import Decimal as D

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from config.celery import app
from invoicing.models import Allocation, LedgerCheck, Payment
from invoicing.services import credit_note_issue, payment_record, refund_issue
from invoicing.services.verify import ledger_verify
from invoicing.tasks import ledger_verify_task
from tests.db_guards import guards_lifted
from tests.invoicing.factories import issue

pytestmark = pytest.mark.django_db

OUTBOX = "/notifications/outbox/"


@pytest.fixture
def ledger(actor):
    """Three invoices in every state the services write: paid, credited, refunded."""
    paid = issue(actor)
    payment_record(actor=actor, invoice=paid, amount=D("100.00"), method="card")
    credited = issue(actor)
    credit_note_issue(actor=actor, invoice=credited, reason="Goodwill", amount=D("25.00"))
    refunded = issue(actor)
    payment_record(actor=actor, invoice=refunded, amount=D("130.00"), method="cash")
    refund_issue(actor=actor, invoice=refunded, amount=D("20.00"), reason="Paid twice")
    return paid, credited, refunded


def test_a_ledger_written_by_the_services_has_no_drift(ledger, capsys):
    check = ledger_verify()
    assert (check.invoices, check.drifted, check.sample) == (3, 0, [])
    call_command("ledger_verify")
    assert "3 invoices checked: no drift." in capsys.readouterr().out
    assert LedgerCheck.objects.count() == 2  # each run is recorded


def test_a_row_written_around_the_services_is_reported(ledger, capsys):
    paid, _, _ = ledger
    payment = Payment.objects.get(allocations__invoice=paid)
    # Inserts are allowed (history grows), so no trigger sees this: the invoice's cache is not
    # refreshed, as after a bulk load or a manual fix.
    Allocation.objects.create(
        payment=payment, invoice=paid, operation=payment.operation, amount=D("5.00")
    )
    with pytest.raises(CommandError, match="1 of 3 invoices"):
        call_command("ledger_verify")
    out = capsys.readouterr().out
    assert f"{paid.display_no}: paid_total cached 100.00, derived 105.00" in out
    check = LedgerCheck.objects.get()
    assert check.drifted == 1
    assert check.sample == [
        {
            "id": paid.pk,
            "display_no": paid.display_no,
            "fields": {
                "paid_total": ["100.00", "105.00"],
                "overpayment": ["0.00", "5.00"],
                "overpaid": ["False", "True"],
            },
        }
    ]


def test_a_cache_changed_past_the_triggers_is_reported(ledger):
    _, credited, _ = ledger
    with guards_lifted(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE invoicing_invoice SET outstanding = 0, status = 'Completed' WHERE id = %s",
            [credited.pk],
        )
    ledger_verify_task()  # the beat task is the same run
    check = LedgerCheck.objects.get()
    assert check.drifted == 1
    assert check.sample[0]["fields"] == {
        "outstanding": ["0.00", "75.00"],
        "status": ["Completed", "Outstanding"],
    }


def test_beat_runs_it_nightly():
    entry = settings.CELERY_BEAT_SCHEDULE["ledger-verify"]
    assert entry["task"] == "invoicing.tasks.ledger_verify_task" in app.tasks
    assert entry["schedule"].hour == {3}  # once a night, not every few minutes


# --- the Outbox page's system checks -------------------------------------------------------


def checks_section(client) -> str:
    html = client.get(OUTBOX).content.decode()
    start = html.index('<section class="system-checks"')
    return html[start : html.index("</section>", start)]


def test_outbox_page_says_when_the_ledger_was_never_verified(admin_client):
    section = checks_section(admin_client)
    assert "Ledger balances" in section and "Not verified yet" in section
    assert 'role="alert"' in section


def test_outbox_page_shows_a_clean_check(admin_client, ledger):
    ledger_verify()
    section = checks_section(admin_client)
    assert "All 3 invoices agree with their ledger" in section
    assert 'role="alert"' not in section


def test_outbox_page_shows_drift_with_links_to_the_invoices(admin_client, ledger):
    paid, _, _ = ledger
    payment = Payment.objects.get(allocations__invoice=paid)
    Allocation.objects.create(
        payment=payment, invoice=paid, operation=payment.operation, amount=D("5.00")
    )
    ledger_verify()
    section = checks_section(admin_client)
    assert 'role="alert"' in section and "1 of 3 invoices" in section
    assert f'href="/invoices/{paid.pk}/">{paid.display_no}</a>' in section


def test_outbox_page_says_when_the_nightly_check_stopped_running(admin_client):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        ledger_verify()
    section = checks_section(admin_client)
    assert "the nightly check has not run since" in section and 'role="alert"' in section


def test_an_htmx_page_of_results_does_not_run_the_checks(
    admin_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8) as full:
        admin_client.get(OUTBOX)
    with django_assert_max_num_queries(len(full.captured_queries) - 1):
        admin_client.get(OUTBOX, {"page": 1}, HTTP_HX_REQUEST="true")
