"""Pure ledger arithmetic (no database): derived balances and the proportional credit rule.

Shared by the services (which cache the result on the invoice) and by the tests (which
recompute it from raw rows and compare).
"""

from dataclasses import dataclass
from decimal import Decimal

from core.money import q

from .models import InvoiceStatus

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Balances:
    credited_total: Decimal  # C
    paid_total: Decimal  # P: sum of allocations
    refunded_total: Decimal  # R: pending + completed refunds
    outstanding: Decimal
    overpayment: Decimal
    status: str
    overpaid: bool

    def as_fields(self) -> dict:
        return {
            "credited_total": self.credited_total,
            "paid_total": self.paid_total,
            "refunded_total": self.refunded_total,
            "outstanding": self.outstanding,
            "overpayment": self.overpayment,
            "status": self.status,
            "overpaid": self.overpaid,
        }


def derive(*, total: Decimal, credited: Decimal, paid: Decimal, refunded: Decimal) -> Balances:
    """LEDGER 2.3: D = T - C, N = P - R; status is a function of (D, N) only."""
    due = total - credited
    held = paid - refunded
    if held <= 0 < due:
        status = InvoiceStatus.OUTSTANDING
    elif held < due:
        status = InvoiceStatus.PART_COMPLETED
    else:
        status = InvoiceStatus.COMPLETED
    return Balances(
        credited_total=credited,
        paid_total=paid,
        refunded_total=refunded,
        outstanding=max(due - held, ZERO),
        overpayment=max(held - due, ZERO),
        status=status.value,
        overpaid=held > due,
    )


def proportional_share(
    remaining_net: Decimal, remaining_vat: Decimal, places: int, remaining_places: int
) -> tuple[Decimal, Decimal]:
    """SPEC: k of the n places still on a line take q(R*k/n) of what remains creditable;
    the last places take exactly what remains, so any split sums to the line."""
    if not 0 < places <= remaining_places:
        raise ValueError("places out of range")
    if places == remaining_places:
        return remaining_net, remaining_vat
    return (
        q(remaining_net * places / remaining_places),
        q(remaining_vat * places / remaining_places),
    )
