"""Factories for bookings tests. Contacts and schedules come from their own apps' factories;
bookings tests only price courses at 100.00 and give schedules two timetable sessions."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from contacts.models import Contact, Organisation
from schedules.models import TimetableSession
from tests.contacts.factories import (  # noqa: F401  (re-exported for the bookings tests)
    ContactFactory,
    FamilyFactory,
    MembershipFactory,
    OrganisationFactory,
)
from tests.schedules import factories as schedules


class CourseFactory(schedules.CourseFactory):
    title = factory.Sequence(lambda n: f"First Aid at Work {n}")
    default_price = Decimal("100.00")


class ScheduleFactory(schedules.ScheduleFactory):
    class Meta:
        skip_postgeneration_save = True

    course = factory.SubFactory(CourseFactory)
    start_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=10))
    end_at = factory.LazyAttribute(lambda o: o.start_at + datetime.timedelta(days=1, hours=8))
    capacity = 10
    venue = None

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
