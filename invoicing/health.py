"""The ledger's line in the Outbox page's system checks (core.health)."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from core.health import HealthLine

from .models import LedgerCheck

LABEL = "Ledger balances"
# The check runs nightly: a last run older than this means beat (or the worker) is not running.
STALE_AFTER = datetime.timedelta(hours=48)
HOW = "nightly by the worker's beat, or `manage.py ledger_verify`"


def ledger_health() -> HealthLine:
    check = LedgerCheck.objects.order_by("-at", "-id").first()
    if check is None:
        return HealthLine(LABEL, False, f"Not verified yet (runs {HOW}).")
    when = date_format(timezone.localtime(check.at), "j M Y H:i")
    if check.drifted:
        return HealthLine(
            LABEL,
            False,
            f"On {when}, {check.drifted} of {check.invoices} invoices had cached balances that "
            "differ from their payments, credit notes and refunds. Tell whoever runs the "
            "database: the figures on those invoices cannot be trusted until it is fixed.",
            links=tuple(
                (row["display_no"], reverse("invoicing:detail", args=[row["id"]]))
                for row in check.sample
            ),
        )
    if timezone.now() - check.at > STALE_AFTER:
        return HealthLine(
            LABEL, False, f"Last verified on {when}: the nightly check has not run since ({HOW})."
        )
    return HealthLine(
        LABEL, True, f"All {check.invoices} invoices agree with their ledger ({when})."
    )
