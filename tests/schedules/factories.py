from datetime import time, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from schedules.models import Course, Schedule, TimetableSession, Venue


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Venue {n}")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    code = factory.Sequence(lambda n: f"C{n:03d}")
    title = factory.Sequence(lambda n: f"Course {n}")
    default_price = Decimal("250.00")
    vat_rate = Decimal("0.2000")


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Schedule

    code = factory.Sequence(lambda n: f"S{n:05d}")
    course = factory.SubFactory(CourseFactory)
    start_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    end_at = factory.LazyAttribute(lambda o: o.start_at + timedelta(hours=8))
    venue = factory.SubFactory(VenueFactory)
    capacity = 12
    price = factory.LazyAttribute(lambda o: o.course.default_price)
    vat_rate = factory.LazyAttribute(lambda o: o.course.vat_rate)


class TimetableSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimetableSession

    schedule = factory.SubFactory(ScheduleFactory)
    date = factory.LazyAttribute(lambda o: timezone.localtime(o.schedule.start_at).date())
    start_time = time(9, 0)
    end_time = time(16, 30)
