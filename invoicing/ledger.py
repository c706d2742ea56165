"""Pure ledger arithmetic (no database): derived balances and the proportional credit rule.

Shared by the services (which cache the result on the invoice) and by the tests (which
recompute it from raw rows and compare).
"""

from dataclasses import dataclass
from decimal import Decimal

from core.money import gross_split, q

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


def split_within(
    gross: Decimal, rate: Decimal, net_left: Decimal, vat_left: Decimal
) -> tuple[Decimal, Decimal]:
    """Split a credited gross (0 <= gross <= net_left + vat_left) into (net, VAT) at the line's
    rate, never past what remains of the line's net or VAT: where the split rounds past one,
    that one takes exactly what remains and the other the rest (net + VAT == gross always)."""
    if gross == net_left + vat_left:
        return net_left, vat_left
    net, vat = gross_split(gross, rate)
    if vat > vat_left:
        return gross - vat_left, vat_left
    if net > net_left:
        return net_left, gross - net_left
    return net, vat


def proportional_share(
    remaining_net: Decimal,
    remaining_vat: Decimal,
    places: int,
    remaining_places: int,
    vat_rate: Decimal,
) -> tuple[Decimal, Decimal]:
    """SPEC section 3: k of the n places still on a line with remaining gross R credit the gross
    q(R*k/n) (half up), split into net and VAT at the line's rate (`split_within`); the last
    places take exactly what remains, so crediting place by place sums exactly to the line.

    Rounding the gross once (not net and VAT apart) is what makes 3 of 7 places of £1200.00
    credit £514.29, the share the customer can check, rather than £514.28."""
    if not 0 < places <= remaining_places:
        raise ValueError("places out of range")
    if places == remaining_places:
        return remaining_net, remaining_vat
    # A negative (discount) line is credited by the same rule on its magnitude.
    sign = -1 if remaining_net + remaining_vat < 0 else 1
    gross = q(sign * (remaining_net + remaining_vat) * places / remaining_places)
    net, vat = split_within(gross, vat_rate, sign * remaining_net, sign * remaining_vat)
    return sign * net, sign * vat
