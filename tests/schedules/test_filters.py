from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from schedules.filters import ScheduleFilter
from schedules.models import Schedule

from .factories import CourseFactory, ScheduleFactory

pytestmark = pytest.mark.django_db

NOW = timezone.datetime(2025, 3, 14, 9, 0, tzinfo=timezone.get_fixed_timezone(0))


def codes(when, **extra):
    f = ScheduleFilter({"when": when, **extra}, queryset=Schedule.objects.all())
    assert f.is_valid(), f.errors
    return {s.code for s in f.qs}


@pytest.fixture
def edges():
    with time_machine.travel(NOW, tick=False):
        ScheduleFactory(code="STARTS-NOW", start_at=NOW, end_at=NOW + timedelta(hours=8))
        ScheduleFactory(
            code="ENDED-1S", start_at=NOW - timedelta(hours=8), end_at=NOW - timedelta(seconds=1)
        )
        ScheduleFactory(code="ENDS-NOW", start_at=NOW - timedelta(hours=8), end_at=NOW)
        ScheduleFactory(
            code="STARTS-1S",
            start_at=NOW + timedelta(seconds=1),
            end_at=NOW + timedelta(hours=8),
        )
        ScheduleFactory(
            code="RUNNING", start_at=NOW - timedelta(days=1), end_at=NOW + timedelta(days=1)
        )
        yield


def test_starting_exactly_now_is_in_progress_not_upcoming(edges):
    with time_machine.travel(NOW, tick=False):
        assert "STARTS-NOW" not in codes("upcoming")
        assert "STARTS-NOW" in codes("current")
        assert "STARTS-NOW" not in codes("past")


def test_ended_a_second_ago_is_past_only(edges):
    with time_machine.travel(NOW, tick=False):
        assert "ENDED-1S" in codes("past")
        assert "ENDED-1S" not in codes("current")
        assert "ENDED-1S" not in codes("upcoming")


def test_each_choice_exactly(edges):
    with time_machine.travel(NOW, tick=False):
        assert codes("all") == {"STARTS-NOW", "ENDED-1S", "ENDS-NOW", "STARTS-1S", "RUNNING"}
        assert codes("past") == {"ENDED-1S"}
        assert codes("upcoming") == {"STARTS-1S"}
        # "not yet ended": an end exactly now has not ended yet
        assert codes("current") == {"STARTS-NOW", "ENDS-NOW", "STARTS-1S", "RUNNING"}


def test_the_labels_are_the_users_words():
    labels = [label for _, label in ScheduleFilter().form.fields["when"].choices]
    assert labels == ["All", "Past", "Upcoming", "In progress / Upcoming"]


def test_default_is_in_progress_or_upcoming(edges):
    with time_machine.travel(NOW, tick=False):
        f = ScheduleFilter({}, queryset=Schedule.objects.all())
        assert {s.code for s in f.qs} == codes("current")
        assert ScheduleFilter(None).form["when"].value() == "current"


def test_past_lists_the_latest_first_and_upcoming_the_soonest_first(edges):
    with time_machine.travel(NOW, tick=False):
        ScheduleFactory(
            code="OLD", start_at=NOW - timedelta(days=9), end_at=NOW - timedelta(days=8)
        )
        f = ScheduleFilter({"when": "past"}, queryset=Schedule.objects.all())
        assert [s.code for s in f.qs] == ["ENDED-1S", "OLD"]
        f = ScheduleFilter({"when": "current"}, queryset=Schedule.objects.all())
        assert [s.code for s in f.qs][0] == "RUNNING"


def test_course_and_text_filters(edges):
    course = CourseFactory(title="Fire Marshal")
    ScheduleFactory(code="FM-1", course=course)
    with time_machine.travel(NOW, tick=False):
        assert codes("all", course=course.pk) == {"FM-1"}
        assert codes("all", q="marshal") == {"FM-1"}
        assert codes("all", q="fm-") == {"FM-1"}
        assert codes("all", q="starts") == {"STARTS-NOW", "STARTS-1S"}


def test_an_unknown_choice_is_a_form_error_not_a_crash():
    f = ScheduleFilter({"when": "tomorrow"}, queryset=Schedule.objects.all())
    assert not f.is_valid()
    assert "when" in f.errors
    list(f.qs)


def test_explicit_now(edges):
    later = NOW + timedelta(days=2)
    f = ScheduleFilter({"when": "past"}, queryset=Schedule.objects.all(), now=later)
    assert {s.code for s in f.qs} == {"STARTS-NOW", "ENDED-1S", "ENDS-NOW", "STARTS-1S", "RUNNING"}
