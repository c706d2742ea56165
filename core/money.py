"""The one place where money is rounded. Amounts are Decimal with 2 places, never float."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# SPEC section 3: no single amount or document total exceeds this. It also keeps every sum the
# ledger caches well inside its DecimalField(max_digits=12, decimal_places=2) columns.
MAX_AMOUNT = Decimal("1000000.00")


def q(value: Decimal | int | str) -> Decimal:
    """Round half up to pennies (UK commercial norm; Django would round half-even)."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass Decimal or str")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_of(net: Decimal, rate: Decimal) -> Decimal:
    return q(net * rate)


def gross_split(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """Split a VAT-inclusive amount into (net, vat) so that net + vat == gross exactly."""
    vat = q(gross * rate / (1 + rate))
    return q(gross) - vat, vat


def money_str(value: Decimal) -> str:
    return f"£{q(value):,}"
