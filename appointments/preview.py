"""The appointments' part of a money preview (core.preview): a punch pass sold by the run has
a reference ("PP000123") that exists only because of the run (its id comes from a sequence,
which a rollback does not give back), so the fingerprint uses an alias for it, as the ledger
does for new document numbers and bookings for a new booking's reference."""

from core import preview


class _New:
    def __init__(self) -> None:
        self.references: list[str] = []


def note_new_pack(reference: str) -> None:
    """Hook for a service creating a pack; a no-op outside a preview or confirm."""
    capture = preview.active()
    if capture is not None:
        capture.notes("appointments", _New).references.append(reference)


def collect(capture: preview.Capture, plan: preview.Plan) -> None:
    notes = capture.peek("appointments")
    for reference in notes.references if notes else ():
        plan.mark_provisional(reference, "punch pass")
