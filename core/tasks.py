"""Thin Celery wrappers around core's housekeeping."""

from celery import shared_task

from . import onetime
from .accounts.throttle import login_records_prune


@shared_task
def form_tokens_purge() -> int:
    """Forget used one-time form tokens once their forms have expired (beat, hourly)."""
    return onetime.purge()


@shared_task
def login_records_prune_task() -> int:
    """Daily (beat): axes' logs of log-ins past LOGIN_RECORDS_KEEP_DAYS go."""
    return login_records_prune()
