"""Factories for bookings tests: contacts, organisations, courses and schedules with sessions."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from contacts.models import Contact, Family, Membership, Organisation
from schedules.models import Course, Schedule, TimetableSession


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Acme Widgets {n} Ltd")
    billing_email = factory.Sequence(lambda n: f"accounts{n}@acme.example")
    billing_address = "1 High Street\nLeeds"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Sequence(lambda n: f"Ann{n}")
    last_name = factory.Sequence(lambda n: f"Smith{n}")
    email = factory.LazyAttribute(
        lambda o: f"{o.first_name.lower()}.{o.last_name.lower()}@example.test"
    )
    mobile = factory.Sequence(lambda n: f"07700 9{n:05d}")


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    name = factory.Sequence(lambda n: f"Family {n}")
    account_email = factory.Sequence(lambda n: f"family{n}@example.test")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    contact = factory.SubFactory(ContactFactory)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    code = factory.Sequence(lambda n: f"C{n:04d}")
    title = factory.Sequence(lambda n: f"First Aid at Work {n}")
    default_price = Decimal("100.00")
    vat_rate = Decimal("0.2000")


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Schedule
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"S{n:05d}")
    course = factory.SubFactory(CourseFactory)
    start_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=10))
    end_at = factory.LazyAttribute(lambda o: o.start_at + datetime.timedelta(days=1, hours=8))
    capacity = 10
    price = factory.LazyAttribute(lambda o: o.course.default_price)
    vat_rate = factory.LazyAttribute(lambda o: o.course.vat_rate)

    @factory.post_generation
    def sessions(obj, create, extracted, **kwargs):
        """Two timetable sessions by default (one per day); pass sessions=0 for none."""
        if not create:
            return
        count = 2 if extracted is None else extracted
        start = timezone.localtime(obj.start_at)
        for i in range(count):
            TimetableSession.objects.create(
                schedule=obj,
                date=(start + datetime.timedelta(days=i)).date(),
                start_time=datetime.time(9, 0),
                end_time=datetime.time(17, 0),
            )


def organisation_with_members(count: int = 3, **kwargs) -> tuple[Organisation, list[Contact]]:
    org = OrganisationFactory(**kwargs)
    people = ContactFactory.create_batch(count)
    for p in people:
        MembershipFactory(organisation=org, contact=p)
    return org, people
