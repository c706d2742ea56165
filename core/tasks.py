"""Thin Celery wrappers around core's housekeeping."""

from celery import shared_task

from . import onetime


@shared_task
def form_tokens_purge() -> int:
    """Forget used one-time form tokens once their forms have expired (beat, hourly)."""
    return onetime.purge()
