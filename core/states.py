"""One way to write a state table: which states may follow which, their badges, the refusal.

Every app that has states (bookings, places, attendance, refunds, outbox messages) declares a
`StateTable` next to its `TextChoices`, written the same way (from -> allowed to), and its
services and pages ask that table instead of comparing bare strings.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import TextChoices

from .errors import DomainError

# The badge styles the shell's CSS knows (static/css/app.css).
OK, WARN, BAD, MUTED = "badge-ok", "badge-warn", "badge-bad", "badge-muted"


@dataclass(frozen=True)
class StateTable:
    """`moves` maps each state to the states it may move to; a state missing from it is final."""

    choices: type[TextChoices]
    moves: Mapping[str, Iterable[str]]
    badges: Mapping[str, str] = field(default_factory=dict)
    noun: str = "item"  # "booking", "place", "refund": used in the refusal message

    def __post_init__(self) -> None:
        known = set(self.choices.values)
        frozen = {str(k): frozenset(str(t) for t in v) for k, v in self.moves.items()}
        for state, targets in frozen.items():
            unknown = ({state} | targets) - known
            if unknown:
                raise ValueError(f"{self.choices.__name__}: unknown states {sorted(unknown)}")
        object.__setattr__(self, "moves", frozen)

    def label(self, state: str) -> str:
        try:
            return str(self.choices(state).label)
        except ValueError:
            return str(state)

    def badge(self, state: str) -> str:
        return self.badges.get(state, WARN)

    def allowed(self, current: str, to: str) -> bool:
        return to in self.moves.get(current, frozenset())

    def targets(self, current: str) -> list[str]:
        """The states `current` may move to, in the order the choices declare them."""
        allowed = self.moves.get(current, frozenset())
        return [s for s in self.choices.values if s in allowed]

    def is_final(self, state: str) -> bool:
        return not self.moves.get(state)

    def refusal(self, current: str, to: str) -> str:
        """Why `current` may not move to `to` ("" when it may)."""
        if self.allowed(current, to):
            return ""
        return (
            f"A {self.label(current).lower()} {self.noun} cannot be marked "
            f"{self.label(to).lower()}."
        )

    def check(self, current: str, to: str, *, field: str | None = None) -> None:
        message = self.refusal(current, to)
        if message:
            raise DomainError(message, field=field)
