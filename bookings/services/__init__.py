"""Every write to bookings: one function per action, one transaction each.

`create` books students and delegates, `edit` changes details, PO number and discount,
`status` moves a booking between the statuses of `bookings.states`, `cancel` cancels
delegates or whole bookings; `transfer` moves a delegate to another schedule;
`placeholder` buys, assigns, unassigns, cancels and transfers placeholder places; `_locks` holds the
locks and the one place that moves `Schedule.places_taken`, `_ledger` the bookings side of
the ledger seam.
"""

from .cancel import booking_cancel, booking_cancel_delegates
from .create import booking_create
from .edit import booking_set_discount, booking_update, booking_update_po_number
from .placeholder import (
    PlaceholderCancelOutcome,
    placeholder_assign,
    placeholder_buy,
    placeholder_cancel_all,
    placeholder_part_cancel,
    placeholder_transfer,
    placeholder_unassign,
)
from .status import (
    booking_complete,
    booking_confirm,
    booking_mark_confirming,
    booking_mark_noshow,
    booking_mark_waiting,
)
from .transfer import booking_place_transfer

__all__ = [
    "PlaceholderCancelOutcome",
    "placeholder_assign",
    "placeholder_buy",
    "placeholder_cancel_all",
    "placeholder_part_cancel",
    "placeholder_transfer",
    "placeholder_unassign",
    "booking_cancel",
    "booking_cancel_delegates",
    "booking_complete",
    "booking_confirm",
    "booking_create",
    "booking_mark_confirming",
    "booking_mark_noshow",
    "booking_mark_waiting",
    "booking_place_transfer",
    "booking_set_discount",
    "booking_update",
    "booking_update_po_number",
]
