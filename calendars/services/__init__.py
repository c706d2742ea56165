"""Calendar services: every write of the calendars app (see the modules for the rules)."""

from .changes import booking_changed, broker_reset, calendar_push_all, schedule_changed
from .manage import (
    calendar_choice_set,
    calendar_create,
    calendar_delete,
    calendar_for_staff,
    calendar_for_venue,
    calendar_refresh_request,
    calendar_token_regenerate,
    calendar_update,
    calendars_sync_staff_and_venues,
    push_retry_failed,
)
from .push import Outcome, PushResult, push_deliver

__all__ = [
    "Outcome",
    "PushResult",
    "booking_changed",
    "broker_reset",
    "calendar_choice_set",
    "calendar_create",
    "calendar_delete",
    "calendar_for_staff",
    "calendar_for_venue",
    "calendar_push_all",
    "calendar_refresh_request",
    "calendar_token_regenerate",
    "calendar_update",
    "calendars_sync_staff_and_venues",
    "push_deliver",
    "push_retry_failed",
    "schedule_changed",
]
