"""The bookings' part of a money preview (core.preview): a booking created by the run (a
placeholder bought) has a reference that exists only because of the run (its id comes from a
sequence, which a rollback does not give back), so the fingerprint uses an alias for it, as
the ledger does for new document numbers."""

from core import preview


class _New:
    def __init__(self) -> None:
        self.references: list[str] = []


def note_new_booking(reference: str) -> None:
    """Hook for a service creating a booking; a no-op outside a preview or confirm."""
    capture = preview.active()
    if capture is not None:
        capture.notes("bookings", _New).references.append(reference)


def collect(capture: preview.Capture, plan: preview.Plan) -> None:
    notes = capture.peek("bookings")
    for reference in notes.references if notes else ():
        plan.mark_provisional(reference, "booking")
