"""How the calendar draws the seven booking statuses: the seed's meaning (seed 003, word for
word), a symbol beside the label (never colour alone) and the CSS class of its colour
(static/css/app.css, `.status-<value>`). The labels and the moves come from the ONE table,
`bookings.states.BOOKING_STATES`."""

from dataclasses import dataclass

from bookings.states import BOOKING_STATES, TRANSITION_ACTIONS, BookingStatus

S = BookingStatus

MEANINGS = {
    S.CONFIRMED: "Booking has been successfully confirmed",
    S.CONFIRMING: "Booking is in the server queue and being processed (add to calendar, zoom etc)",
    S.CANCELLED: "Booking has been cancelled",
    S.WAITING: "Booking is waiting for payment to be completed",
    S.PENDING: "Booking is pending and requires manual approval",
    S.NOSHOW: "The booking is marked as noshow when customer did not show up or joined the meeting",
    S.COMPLETED: "Booking has been marked as completed by the organizer",
}

SYMBOLS = {
    S.CONFIRMED: "✓",
    S.CONFIRMING: "⟳",
    S.CANCELLED: "✕",
    S.WAITING: "£",
    S.PENDING: "?",
    S.NOSHOW: "⊘",
    S.COMPLETED: "★",
}


@dataclass(frozen=True)
class StatusLook:
    value: str
    label: str
    meaning: str
    symbol: str

    @property
    def css(self) -> str:
        return f"status-{self.value}"


LOOKS = {
    s: StatusLook(
        value=str(s), label=BOOKING_STATES.label(s), meaning=MEANINGS[s], symbol=SYMBOLS[s]
    )
    for s in BookingStatus
}


def look(status: str) -> StatusLook:
    return LOOKS.get(status) or StatusLook(str(status), str(status), "", "•")


def legend() -> list[StatusLook]:
    return list(LOOKS.values())


def offered_moves(status: str) -> list[tuple[str, str]]:
    """(target status, button label) the table allows from `status`; Cancel has its own page
    (a reason, "Cancel this booking")."""
    return [
        (to, TRANSITION_ACTIONS[to])
        for to in BOOKING_STATES.targets(status)
        if to in TRANSITION_ACTIONS
    ]
