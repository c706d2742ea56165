"""Thin Celery wrappers around the invoicing services."""

from celery import shared_task

from .services.revenue import revenue_fold
from .services.verify import ledger_verify


@shared_task
def revenue_fold_task() -> None:
    """Keep the revenue totals current between report views (beat, every 5 minutes), so the
    report's own fold and its read of not-yet-folded entries stay small."""
    revenue_fold()


@shared_task
def ledger_verify_task() -> None:
    """Nightly (beat): every invoice's cached balances against its rows; drift is logged and
    shown on the Outbox page."""
    ledger_verify()
