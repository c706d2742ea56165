"""Every write to bookings: one function per action, one transaction each.

`create` books students and delegates, `edit` changes details, PO number and discount,
`status` moves a booking between the statuses of `bookings.states`, `cancel` cancels
delegates or whole bookings; `_locks` holds the locks and the one place that moves
`Schedule.places_taken`, `_ledger` the bookings side of the ledger seam; `transfer` moves
a delegate to another schedule. Placeholders will be siblings.
"""

from .cancel import booking_cancel, booking_cancel_delegates
from .create import booking_create
from .edit import booking_set_discount, booking_update, booking_update_po_number
from .status import (
    booking_complete,
    booking_confirm,
    booking_mark_confirming,
    booking_mark_noshow,
    booking_mark_waiting,
)
from .transfer import booking_place_transfer

__all__ = [
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
