from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEvent
from schedules import services
from schedules.models import Schedule

from .factories import CourseFactory, ScheduleFactory, TimetableSessionFactory

pytestmark = pytest.mark.django_db

START = timezone.make_aware(timezone.datetime(2025, 3, 14, 9, 0))


def test_price_and_vat_default_from_the_course(admin_user):
    course = CourseFactory(code="FAW", default_price=Decimal("295.00"), vat_rate=Decimal("0.2"))
    schedule = services.schedule_create(
        actor=admin_user, course=course, start_at=START, end_at=START + timedelta(days=2),
        capacity=12,
    )  # fmt: skip
    assert (schedule.price, schedule.vat_rate) == (Decimal("295.00"), Decimal("0.2"))
    assert schedule.code == "FAW-250314"
    assert AuditEvent.objects.for_object(schedule).get().action == "schedule.create"
    second = services.schedule_create(
        actor=admin_user, course=course, start_at=START, end_at=START + timedelta(hours=8),
        capacity=12, price=Decimal("199.995"), vat_rate=Decimal("0"),
    )  # fmt: skip
    assert second.code == "FAW-250314-2"
    assert (second.price, second.vat_rate) == (Decimal("200.00"), Decimal("0"))


def test_schedule_guards(admin_user):
    course = CourseFactory()
    kwargs = {"actor": admin_user, "course": course, "start_at": START, "capacity": 5}
    with pytest.raises(DomainError, match="end after"):
        services.schedule_create(end_at=START, **kwargs)
    with pytest.raises(DomainError, match="capacity"):
        services.schedule_create(end_at=START + timedelta(hours=1), **{**kwargs, "capacity": 0})
    with pytest.raises(DomainError, match="VAT"):
        services.schedule_create(
            end_at=START + timedelta(hours=1), vat_rate=Decimal("20"), **kwargs
        )
    ScheduleFactory(code="TAKEN")
    with pytest.raises(DomainError, match="Schedule ID"):
        services.schedule_create(end_at=START + timedelta(hours=1), code="taken", **kwargs)
    assert Schedule.objects.count() == 1


def test_capacity_never_below_places_taken(admin_user):
    schedule = ScheduleFactory(capacity=10)
    Schedule.objects.filter(pk=schedule.pk).update(places_taken=6)
    kwargs = {
        "actor": admin_user, "schedule": schedule, "start_at": schedule.start_at,
        "end_at": schedule.end_at, "venue": schedule.venue, "trainer": None,
        "price": schedule.price, "vat_rate": schedule.vat_rate, "code": schedule.code,
    }  # fmt: skip
    with pytest.raises(DomainError, match="6 places already taken"):
        services.schedule_update(capacity=5, **kwargs)
    updated = services.schedule_update(capacity=6, **kwargs)
    assert updated.capacity == 6
    assert AuditEvent.objects.for_object(schedule).get().data == {"capacity": ["10", "6"]}


def test_sessions_within_the_schedule_dates(admin_user):
    schedule = ScheduleFactory(start_at=START, end_at=START + timedelta(days=1, hours=8))
    services.session_add(
        actor=admin_user, schedule=schedule, date=date(2025, 3, 15), start_time=time(9),
        end_time=time(16, 30),
    )  # fmt: skip
    with pytest.raises(DomainError, match="already a session"):
        services.session_add(
            actor=admin_user, schedule=schedule, date=date(2025, 3, 15), start_time=time(9),
            end_time=time(12),
        )  # fmt: skip
    with pytest.raises(DomainError, match="between"):
        services.session_add(
            actor=admin_user, schedule=schedule, date=date(2025, 3, 20), start_time=time(9),
            end_time=time(12),
        )  # fmt: skip
    with pytest.raises(DomainError, match="end after"):
        services.session_add(
            actor=admin_user, schedule=schedule, date=date(2025, 3, 14), start_time=time(12),
            end_time=time(9),
        )  # fmt: skip
    assert schedule.sessions.count() == 1


def test_session_remove(admin_user):
    session = TimetableSessionFactory()
    services.session_remove(actor=admin_user, session=session)
    assert not session.schedule.sessions.exists()


def test_course_create_and_update(admin_user):
    course = services.course_create(
        actor=admin_user, code="efaw ", title="Emergency First Aid", default_price=Decimal("125"),
        vat_rate=Decimal("0.2"),
    )  # fmt: skip
    assert course.code == "EFAW"
    with pytest.raises(DomainError, match="code"):
        services.course_create(
            actor=admin_user, code="EFAW", title="x", default_price=Decimal("1"),
            vat_rate=Decimal("0.2"),
        )  # fmt: skip
    services.course_update(
        actor=admin_user, course=course, code="EFAW", title="Emergency First Aid at Work",
        default_price=Decimal("130"), vat_rate=Decimal("0.2"),
    )  # fmt: skip
    course.refresh_from_db()
    assert course.title == "Emergency First Aid at Work"
