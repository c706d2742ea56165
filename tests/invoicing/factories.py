from decimal import Decimal

import factory

from contacts.models import Contact, Family, Organisation
from invoicing.services import LineSpec, billing_account_for, invoice_issue


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Acme {n} Ltd")
    billing_address = "2 High Street\nYork\nYO1 7HH"
    billing_email = factory.Sequence(lambda n: f"accounts{n}@acme.example")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = "Alice"
    last_name = factory.Sequence(lambda n: f"Smith{n}")
    email = factory.Sequence(lambda n: f"alice{n}@example.test")


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    name = factory.Sequence(lambda n: f"Jones family {n}")
    account_email = factory.Sequence(lambda n: f"jones{n}@example.test")


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
