import factory

from contacts.models import Contact, Family, Membership, Organisation


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    name = factory.Sequence(lambda n: f"Family {n}")
    account_email = factory.Sequence(lambda n: f"family{n}@example.test")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n} Ltd")
    billing_address = "1 High Street\nLeeds\nLS1 1AA"
    billing_email = factory.Sequence(lambda n: f"accounts{n}@org.example.test")


class ContactFactory(factory.django.DjangoModelFactory):
    """Saved through Contact.save(), so the mobile is normalised and search_text is filled."""

    class Meta:
        model = Contact

    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.LazyAttribute(lambda o: f"{o.first_name}.{o.last_name}@example.test".lower())
    mobile = factory.Sequence(lambda n: f"07700 9{n % 100000:05d}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    contact = factory.SubFactory(ContactFactory)
