"""System checks shown on the Outbox page: what a nightly job found, or that it has not run.

Apps register a check from their `AppConfig.ready()` (core never imports them), as the
preview collectors do. A check reads what its job recorded (one small query) and says whether
all is well; it never does the work itself during a page view.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class HealthLine:
    label: str  # "Ledger balances"
    ok: bool
    text: str  # one sentence for the page
    links: tuple[tuple[str, str], ...] = field(default=())  # (caption, url) of what to look at


_checks: list[Callable[[], HealthLine]] = []


def register_health_check(fn: Callable[[], HealthLine]) -> None:
    if fn not in _checks:
        _checks.append(fn)


def health_report() -> list[HealthLine]:
    return [check() for check in _checks]
