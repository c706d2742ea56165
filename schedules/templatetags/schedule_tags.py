from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(rate: Decimal | None) -> str:
    """A VAT fraction as a percentage: Decimal("0.2000") -> "20%", Decimal("0.175") -> "17.5%"."""
    if rate is None:
        return "—"
    value = (Decimal(rate) * 100).quantize(Decimal("0.01")).normalize()
    return f"{value:f}%"
