from decimal import Decimal

from invoicing.services import LineSpec, billing_account_for, invoice_issue
from tests.contacts.factories import (  # noqa: F401  (re-exported for the invoicing tests)
    ContactFactory,
    FamilyFactory,
    OrganisationFactory,
)


def account(**kwargs):
    if not kwargs:
        kwargs = {"organisation": OrganisationFactory()}
    return billing_account_for(**kwargs)


def gross_line(gross: str, rate: str = "0.20", quantity: int = 1, **kw) -> LineSpec:
    """A line whose unit net is given (VAT added per line)."""
    return LineSpec(
        description=kw.pop("description", "Course A"),
        unit_net=Decimal(gross),
        vat_rate=Decimal(rate),
        quantity=quantity,
        **kw,
    )


def issue(actor=None, *, acct=None, lines=None, **kw):
    """An invoice of 1 x £100.00 net at 0 % unless lines are given."""
    return invoice_issue(
        actor=actor,
        account=acct or account(),
        lines=lines or [gross_line("100.00", "0")],
        **kw,
    )
