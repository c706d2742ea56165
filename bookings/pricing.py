"""What a booking costs: one computation for the "Payment details" panel and the invoice.

The discount is applied per delegate line, so each delegate's invoice line can later be
credited on its own (cancelling one delegate credits exactly that delegate's share). A fixed
discount is spread evenly over the delegates; the pennies that do not divide go to the first
lines, so the lines always add up to price x delegates - discount exactly.
"""

from dataclasses import dataclass
from decimal import Decimal

from core.errors import DomainError
from core.money import ZERO, q, vat_of

from .models import DiscountKind

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Quote:
    unit_price: Decimal  # net list price per delegate
    delegates: int
    vat_rate: Decimal
    line_nets: tuple[Decimal, ...]  # net per delegate after discount
    subtotal: Decimal  # unit_price x delegates
    discount: Decimal  # total discount (net)
    net: Decimal
    vat: Decimal
    total: Decimal

    @property
    def vat_percent(self) -> Decimal:
        return (self.vat_rate * HUNDRED).normalize()


def discount_lines(
    *, unit_price: Decimal, delegates: int, kind: str, value: Decimal | None
) -> tuple[Decimal, ...]:
    """Net price of each delegate's line after the booking-level discount."""
    value = q(value or ZERO)
    if delegates <= 0:
        return ()
    if not kind or value == ZERO:
        return tuple(q(unit_price) for _ in range(delegates))
    if value < ZERO:
        raise DomainError("A discount cannot be negative.", field="discount_value")
    if kind == DiscountKind.PERCENT:
        if value > HUNDRED:
            raise DomainError("A percentage discount cannot exceed 100 %.", field="discount_value")
        net = q(unit_price * (HUNDRED - value) / HUNDRED)
        return tuple(net for _ in range(delegates))
    if kind == DiscountKind.FIXED:
        subtotal = q(unit_price) * delegates
        if value > subtotal:
            raise DomainError(
                f"The discount (£{value:,}) is more than the price of the booking (£{subtotal:,}).",
                field="discount_value",
            )
        pennies = int(value * 100)
        share, extra = divmod(pennies, delegates)
        return tuple(
            q(unit_price) - (Decimal(share + (1 if i < extra else 0)) / HUNDRED)
            for i in range(delegates)
        )
    raise DomainError("Unknown discount type.", field="discount_kind")


def quote(
    *,
    unit_price: Decimal,
    vat_rate: Decimal,
    delegates: int,
    discount_kind: str = "",
    discount_value: Decimal | None = None,
) -> Quote:
    lines = discount_lines(
        unit_price=unit_price, delegates=delegates, kind=discount_kind, value=discount_value
    )
    subtotal = q(unit_price) * delegates
    net = sum(lines, ZERO)
    vat = sum((vat_of(n, vat_rate) for n in lines), ZERO)
    return Quote(
        unit_price=q(unit_price),
        delegates=delegates,
        vat_rate=vat_rate,
        line_nets=lines,
        subtotal=subtotal,
        discount=subtotal - net,
        net=net,
        vat=vat,
        total=net + vat,
    )
