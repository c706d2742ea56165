"""Placeholder places (SPEC 5): an organisation buys N places on a schedule, delegates are
assigned to them later, and places are part-cancelled or all cancelled with the credit notes,
charge and refund of SPEC's table.

Each place is a BookingPlace with no contact until a delegate is assigned, so an unassigned
place holds capacity exactly like a booked delegate (`Schedule.places_taken`), assigning sets
the contact and unassigning clears it. `Booking.places_bought` is the quantity the organisation
still pays for. Money goes through the ledger seam (`invoicing.services.placeholder_*`).
"""

from .cancel import PlaceholderCancelOutcome, placeholder_cancel_all, placeholder_part_cancel
from .places import placeholder_assign, placeholder_buy, placeholder_unassign
from .transfer import placeholder_transfer

__all__ = [
    "PlaceholderCancelOutcome",
    "placeholder_assign",
    "placeholder_buy",
    "placeholder_cancel_all",
    "placeholder_part_cancel",
    "placeholder_transfer",
    "placeholder_unassign",
]
