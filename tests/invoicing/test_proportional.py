"""SPEC section 3, proportional credit: k of the n places still on a line with remaining gross R
credit the gross q(R*k/n), split into net and VAT at the line's rate and never past what
remains of either; the last places take exactly what remains."""

from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.money import gross_split, q
from invoicing.ledger import proportional_share
from invoicing.services import LineSpec, credit_note_issue, invoice_issue
from tests.invoicing import invariants
from tests.invoicing.factories import account

rates = st.sampled_from([D("0"), D("0.05"), D("0.2"), D("0.175")])
pennies = st.integers(min_value=1, max_value=500_000).map(lambda c: D(c) / 100)


def line_amounts(price: D, rate: D, quantity: int, package: bool) -> tuple[D, D]:
    """(net, VAT) of a line as invoice_issue bills it: net-priced per place, or a package
    priced VAT-inclusive for the whole line."""
    if package:
        return gross_split(price, rate)
    net = q(price * quantity)
    return net, q(net * rate)


@st.composite
def splits(draw, quantity: int) -> list[int]:
    """A random way of cancelling all `quantity` places in steps."""
    left, out = quantity, []
    while left:
        k = draw(st.integers(1, left))
        out.append(k)
        left -= k
    return out


@st.composite
def lines(draw, prices=pennies):
    quantity = draw(st.integers(1, 40))
    return draw(prices), draw(rates), quantity, draw(st.booleans()), draw(splits(quantity))


@given(lines())
@settings(max_examples=500, deadline=None)
def test_each_step_credits_the_rounded_gross_share_and_all_steps_sum_to_the_line(line):
    price, rate, quantity, package, steps = line
    net_left, vat_left = line_amounts(price, rate, quantity, package)
    total_net, total_vat = net_left, vat_left
    places_left = quantity
    credited_net = credited_vat = D("0")
    for k in steps:
        net, vat = proportional_share(net_left, vat_left, k, places_left, rate)
        gross = (
            net_left + vat_left if k == places_left else q((net_left + vat_left) * k / places_left)
        )
        assert net + vat == gross
        assert D("0") <= net <= net_left and D("0") <= vat <= vat_left
        assert q(net) == net and q(vat) == vat
        if (net, vat) != (net_left, vat_left):  # not clamped: the plain split at the line rate
            assert (net, vat) == gross_split(gross, rate) or net == net_left or vat == vat_left
        net_left, vat_left, places_left = net_left - net, vat_left - vat, places_left - k
        credited_net, credited_vat = credited_net + net, credited_vat + vat
    assert (credited_net, credited_vat) == (total_net, total_vat)
    assert (net_left, vat_left, places_left) == (D("0"), D("0"), 0)


def test_rounding_the_gross_once_differs_from_rounding_net_and_vat_apart():
    # 3 of 7 places of a £1200.00 package (net 1000.00, VAT 200.00): q(1200 x 3/7) = 514.29;
    # scaling net and VAT separately would give 428.57 + 85.71 = 514.28.
    assert proportional_share(D("1000.00"), D("200.00"), 3, 7, D("0.2")) == (
        D("428.57"),
        D("85.72"),
    )


def test_the_split_never_takes_more_vat_than_remains():
    # 1 of the last 2 places, 0.07 net and no VAT left: q(0.07/2) = 0.04 would split as
    # 0.03 + 0.01 VAT at 20 %, but no VAT is left, so it is all net.
    assert proportional_share(D("0.07"), D("0.00"), 1, 2, D("0.2")) == (D("0.04"), D("0.00"))
    # and the mirror: no net left
    assert proportional_share(D("0.00"), D("0.05"), 1, 2, D("0.2")) == (D("0.00"), D("0.03"))


def test_a_discount_line_is_shared_by_its_magnitude():
    assert proportional_share(D("-100.00"), D("-20.00"), 1, 3, D("0.2")) == (
        D("-33.33"),
        D("-6.67"),
    )


def test_places_out_of_range():
    for k, n in ((0, 3), (4, 3), (-1, 3)):
        with pytest.raises(ValueError):
            proportional_share(D("10"), D("2"), k, n, D("0.2"))


@pytest.mark.django_db
# From £1.00 a place's share never rounds to 0.00 (the service refuses a credit of nothing).
@given(line=lines(prices=st.integers(100, 500_000).map(lambda c: D(c) / 100)))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_crediting_every_place_one_at_a_time_sums_exactly_to_the_line(finance_user, line):
    price, rate, quantity, package, _ = line
    with transaction.atomic():
        spec = LineSpec(
            description="Places",
            unit_net=D("0") if package else price,
            vat_rate=rate,
            quantity=quantity,
            kind="places" if package else "course",
            line_gross=price if package else None,
        )
        inv = invoice_issue(actor=finance_user, account=account(), lines=[spec])
        inv_line = inv.lines.get()
        credited = D("0")
        for left in range(quantity, 0, -1):
            remaining = inv_line.gross - credited
            expected = remaining if left == 1 else q(remaining / left)
            note = credit_note_issue(
                actor=finance_user, invoice=inv, reason="1", line_places={inv_line.pk: 1}
            )
            assert note.gross_total == expected > 0
            credited += note.gross_total
        assert credited == inv_line.gross
        inv.refresh_from_db()
        assert inv.credited_total == inv.gross_total
        invariants.check_all()
        transaction.set_rollback(True)
