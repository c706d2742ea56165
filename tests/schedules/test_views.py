from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from schedules.models import Course, Schedule
from tests.actions import submit

from .factories import CourseFactory, ScheduleFactory, TimetableSessionFactory

pytestmark = pytest.mark.django_db


def test_anonymous_goes_to_login(client):
    response = client.get(reverse("schedules:list"))
    assert response.status_code == 302


def test_roles(client, nobody, finance_user, team_leader, admin_user):
    schedule = ScheduleFactory()
    view_urls = [
        reverse("schedules:list"),
        reverse("schedules:pick"),
        reverse("schedules:detail", args=[schedule.pk]),
        reverse("schedules:courses"),
    ]
    manage_urls = [
        reverse("schedules:create"),
        reverse("schedules:edit", args=[schedule.pk]),
        reverse("schedules:course_create"),
        reverse("schedules:course_edit", args=[schedule.course_id]),
    ]
    client.force_login(nobody)
    assert all(client.get(u).status_code == 403 for u in view_urls + manage_urls)
    for user in (finance_user, team_leader):
        client.force_login(user)
        assert all(client.get(u).status_code == 200 for u in view_urls)
        assert all(client.get(u).status_code == 403 for u in manage_urls)
    client.force_login(admin_user)
    assert all(client.get(u).status_code == 200 for u in view_urls + manage_urls)
    client.force_login(finance_user)
    response = client.post(
        reverse("schedules:session_add", args=[schedule.pk]),
        {"date": "2030-01-01", "start_time": "09:00", "end_time": "10:00"},
    )
    assert response.status_code == 403


def test_provider_sees_only_own_schedules(client, provider):
    mine = ScheduleFactory(code="MINE", trainer=provider)
    theirs = ScheduleFactory(code="THEIRS")
    client.force_login(provider)
    html = client.get(reverse("schedules:list")).content.decode()
    assert "MINE" in html and "THEIRS" not in html
    assert "My timetable" in html
    detail = client.get(reverse("schedules:detail", args=[mine.pk]))
    assert detail.status_code == 200
    # The attendance register is a bookings page the Provider role cannot open: no link to it.
    register = reverse("bookings:schedule_register", args=[mine.pk])
    assert register not in detail.content.decode()
    assert client.get(reverse("schedules:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("schedules:create")).status_code == 403


def test_admin_schedule_page_loads_the_attendance_register(admin_client):
    schedule = ScheduleFactory(code="REG")
    html = admin_client.get(reverse("schedules:detail", args=[schedule.pk])).content.decode()
    assert reverse("bookings:schedule_register", args=[schedule.pk]) in html


def test_list_shows_places_left_and_filters(admin_client):
    now = timezone.now()
    ScheduleFactory(code="SOON", capacity=10, start_at=now + timedelta(days=1))
    full = ScheduleFactory(code="FULLUP", capacity=2, start_at=now + timedelta(days=2))
    Schedule.objects.filter(pk=full.pk).update(places_taken=2)
    ScheduleFactory(code="DONE", start_at=now - timedelta(days=3), end_at=now - timedelta(days=2))
    html = admin_client.get(reverse("schedules:list")).content.decode()
    assert "SOON" in html and "10 of 10" in html
    assert "Full" in html
    assert "DONE" not in html  # default: In progress / Upcoming
    assert "In progress / Upcoming" in html
    past = admin_client.get(reverse("schedules:list"), {"when": "past"}, HTTP_HX_REQUEST="true")
    assert "<html" not in past.content.decode()
    assert "DONE" in past.content.decode() and "SOON" not in past.content.decode()


def test_bad_filter_input_is_not_a_500(admin_client):
    for params in ({"when": "nope"}, {"course": "abc"}, {"course": "999"}, {"page": "x"}):
        assert admin_client.get(reverse("schedules:list"), params).status_code == 200


def test_list_query_count_constant(admin_client, django_assert_max_num_queries):
    ScheduleFactory.create_batch(2)
    with django_assert_max_num_queries(8) as few:
        admin_client.get(reverse("schedules:list"), {"when": "all"})
    ScheduleFactory.create_batch(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("schedules:list"), {"when": "all"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("schedules:pick"), {"when": "all"}, HTTP_HX_REQUEST="true")


def test_course_list_query_count_constant(admin_client, django_assert_max_num_queries):
    CourseFactory.create_batch(2)
    with django_assert_max_num_queries(6) as few:
        admin_client.get(reverse("schedules:courses"))
    ScheduleFactory.create_batch(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("schedules:courses"))


def test_detail_shows_timetable_with_constant_queries(admin_client, django_assert_max_num_queries):
    schedule = ScheduleFactory(start_at=timezone.now(), end_at=timezone.now() + timedelta(days=5))
    TimetableSessionFactory(schedule=schedule)
    url = reverse("schedules:detail", args=[schedule.pk])
    with django_assert_max_num_queries(6) as few:
        html = admin_client.get(url).content.decode()
    assert "Timetable" in html and "09:00" in html
    for day in range(1, 5):
        TimetableSessionFactory(
            schedule=schedule, date=timezone.localdate(schedule.start_at) + timedelta(days=day)
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(url)


def test_pick_partial_has_select_buttons_but_not_for_full(admin_client):
    ok = ScheduleFactory(code="OPEN")
    full = ScheduleFactory(code="SHUT", capacity=1)
    Schedule.objects.filter(pk=full.pk).update(places_taken=1)
    html = admin_client.get(
        reverse("schedules:pick"), {"name": "schedule"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'name="schedule" value="{ok.pk}"' in html
    assert f'name="schedule" value="{full.pk}"' not in html
    assert f'aria-label="{full.code} is full"' in html
    assert "data-schedule-picker" in html


def test_create_schedule_defaults_price_from_course(admin_client):
    course = CourseFactory(code="FAW", default_price=Decimal("295.00"))
    response = submit(
        admin_client,
        reverse("schedules:create"),
        {"course": course.pk, "start_at": "2030-05-01T09:00", "end_at": "2030-05-03T16:30",
         "capacity": "12"},
    )  # fmt: skip
    schedule = Schedule.objects.get()
    assert response["Location"] == reverse("schedules:detail", args=[schedule.pk])
    assert schedule.price == Decimal("295.00") and schedule.vat_rate == Decimal("0.2000")
    assert schedule.code == "FAW-300501"


def test_create_schedule_bad_input(admin_client):
    course = CourseFactory()
    response = admin_client.post(
        reverse("schedules:create"),
        {"course": course.pk, "start_at": "2030-05-03T09:00", "end_at": "2030-05-01T09:00",
         "capacity": "0", "price": "-1", "vat_percent": "150"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "The schedule must end after it starts." in html
    assert html.count('role="alert"') >= 4
    assert not Schedule.objects.exists()
    response = admin_client.post(reverse("schedules:create"), {"course": "x", "start_at": "nope"})
    assert response.status_code == 200


def test_edit_schedule_and_sessions(admin_client):
    schedule = ScheduleFactory(
        start_at=timezone.make_aware(timezone.datetime(2030, 5, 1, 9)),
        end_at=timezone.make_aware(timezone.datetime(2030, 5, 2, 17)),
        capacity=10,
    )
    url = reverse("schedules:edit", args=[schedule.pk])
    response = submit(
        admin_client,
        url,
        {"code": schedule.code, "start_at": "2030-05-01T09:00", "end_at": "2030-05-02T17:00",
         "capacity": "14", "price": "", "vat_percent": "20"},
    )  # fmt: skip
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.capacity == 14
    add = reverse("schedules:session_add", args=[schedule.pk])
    page = reverse("schedules:detail", args=[schedule.pk])
    day = {"start_time": "09:00", "end_time": "17:00"}
    assert submit(admin_client, add, {"date": "2030-05-01", **day}, page=page).status_code == 302
    bad = submit(admin_client, add, {"date": "2030-06-01", **day}, page=page)
    assert bad.status_code == 400
    assert "The session must be between" in bad.content.decode()
    session = schedule.sessions.get()
    submit(admin_client, reverse("schedules:session_remove", args=[schedule.pk, session.pk]), {})
    assert not schedule.sessions.exists()


def test_course_form(admin_client):
    response = submit(
        admin_client,
        reverse("schedules:course_create"),
        {"code": "MH", "title": "Manual Handling", "default_price": "95", "vat_percent": "20"},
    )
    assert response.status_code == 302
    course = Course.objects.get()
    assert course.vat_rate == Decimal("0.2000")
    dup = submit(
        admin_client,
        reverse("schedules:course_create"),
        {"code": "mh", "title": "Dup", "default_price": "95", "vat_percent": "20"},
    )
    assert "Another course already has this code." in dup.content.decode()
    html = admin_client.get(reverse("schedules:courses")).content.decode()
    assert "Manual Handling" in html and "20%" in html
