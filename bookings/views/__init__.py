"""Bookings pages. Thin: permission, form, call a service, render (full page or a fragment)."""

from .actions import (
    booking_cancel,
    booking_cancel_delegates,
    booking_discount,
    booking_edit,
    booking_noshow,
)
from .add import booking_add
from .detail import booking_detail, booking_status
from .lists import booking_list, contact_bookings, schedule_register
from .placeholders import (
    placeholder_assign,
    placeholder_buy,
    placeholder_cancel_all,
    placeholder_new,
    placeholder_part_cancel,
    placeholder_transfer,
    placeholder_unassign,
)
from .transfer import booking_transfer

__all__ = [
    "booking_add",
    "booking_cancel",
    "booking_cancel_delegates",
    "booking_detail",
    "booking_discount",
    "booking_edit",
    "booking_list",
    "booking_noshow",
    "booking_status",
    "contact_bookings",
    "placeholder_assign",
    "placeholder_buy",
    "placeholder_cancel_all",
    "placeholder_new",
    "placeholder_part_cancel",
    "placeholder_transfer",
    "placeholder_unassign",
    "schedule_register",
    "booking_transfer",
]
