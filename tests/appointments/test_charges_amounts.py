"""The amount of a tuition charge per pricing basis, and "re-running bills only the
difference", as properties (no database: `charge_units` and the Quote are pure)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from appointments.models import PricingSchedule
from appointments.services.charges import charge_units, quote_from
from appointments.states import PricingBasis
from core.money import q

BASES = st.sampled_from(list(PricingBasis.values))
PRICES = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("5000.00"), places=2)
SIZES = st.integers(min_value=1, max_value=12)
# The month's booked lessons at each re-run (lessons are added between runs).
GROWTH = st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=8)


def _quote(basis, price, size, booked, earlier):
    pricing = PricingSchedule(basis=basis, amount=price, lessons=size, vat_rate=Decimal("0.2"))
    booking = SimpleNamespace(pricing_schedule=pricing, reference="AP000001")
    return quote_from(
        booking,
        period_start=datetime.date(2027, 1, 1),
        category="Tuition",
        booked=booked,
        earlier=earlier,
    )


def full_amount(basis, price, size, booked) -> Decimal:
    """The spec's amount for a month charged once: per lesson x booked; per month once if any
    lesson; per package ceil(booked / size) packages."""
    if booked == 0:
        return Decimal("0.00")
    if basis == PricingBasis.PER_LESSON:
        return q(price * booked)
    if basis == PricingBasis.PER_MONTH:
        return q(price)
    return q(price * -(-booked // size))


@given(basis=BASES, price=PRICES, size=SIZES, booked=st.integers(0, 40))
def test_one_charge_is_the_pricing_rule(basis, price, size, booked):
    quote = _quote(basis, price, size, booked, [])
    assert isinstance(quote.amount, Decimal) and quote.amount >= 0
    assert quote.amount == quote.amount.quantize(Decimal("0.01"))
    assert quote.amount == full_amount(basis, price, size, booked)
    assert quote.lessons == booked


@given(basis=BASES, price=PRICES, size=SIZES, steps=GROWTH)
def test_re_runs_bill_only_the_difference_and_sum_to_the_full_charge(basis, price, size, steps):
    earlier: list[tuple[int, int, str]] = []
    booked, billed = 0, Decimal("0.00")
    for added in steps:
        booked += added
        quote = _quote(basis, price, size, booked, earlier)
        assert quote.amount >= 0 and quote.lessons >= 0
        if quote.chargeable:
            billed += quote.amount
            earlier.append((quote.lessons, quote.units, f"INV-{len(earlier)}"))
        # A re-run at once finds nothing new.
        again = _quote(basis, price, size, booked, earlier)
        assert not again.chargeable
        if booked and price:
            assert again.is_duplicate
    assert billed == full_amount(basis, price, size, booked)


@given(
    basis=BASES,
    size=SIZES,
    booked=st.integers(0, 30),
    charged=st.integers(0, 30),
    units=st.integers(0, 10),
)
def test_units_never_negative_and_zero_without_new_lessons(basis, size, booked, charged, units):
    lessons, owed = charge_units(
        basis=basis,
        package_size=size,
        booked=booked,
        charged_lessons=charged,
        charged_units=units,
    )
    assert lessons >= 0 and owed >= 0
    if booked <= charged:
        assert (lessons, owed) == (0, 0)


def test_package_examples():
    """Packages of 10 at £200: 4 lessons -> one package; 7 (3 more) -> covered, nothing; 12
    (5 more) -> one more package; 21 -> a third. Cancelled lessons never go below zero."""
    pkg = PricingBasis.PER_PACKAGE

    def units(booked, charged, n):
        return charge_units(
            basis=pkg, package_size=10, booked=booked, charged_lessons=charged, charged_units=n
        )

    assert units(4, 0, 0) == (4, 1)
    assert units(7, 4, 1) == (3, 0)
    assert units(12, 4, 1) == (8, 1)
    assert units(21, 12, 2) == (9, 1)
    assert units(3, 4, 1) == (0, 0)
    quote = _quote(pkg, Decimal("200.00"), 10, 7, [(4, 1, "INV-1")])
    assert not quote.chargeable and "covered by the package" in quote.refusal()


def test_per_month_is_charged_once():
    month = PricingBasis.PER_MONTH
    quote = _quote(month, Decimal("90.00"), None, 4, [])
    assert (quote.lessons, quote.units, quote.amount) == (4, 1, Decimal("90.00"))
    later = _quote(month, Decimal("90.00"), None, 5, [(4, 1, "INV-1")])
    assert later.lessons == 1 and not later.chargeable
    assert "covered by the month" in later.refusal()
