"""The schedule filter used wherever schedules are listed or picked (SPEC 3, seed 000)."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from core.filters import IdChoiceFilter

from .models import Course, Schedule


class When:
    ALL = "all"
    PAST = "past"
    UPCOMING = "upcoming"
    CURRENT = "current"

    CHOICES = [
        (ALL, "All"),
        (PAST, "Past"),
        (UPCOMING, "Upcoming"),
        (CURRENT, "In progress / Upcoming"),
    ]
    DEFAULT = CURRENT


class ScheduleFilter(django_filters.FilterSet):
    """`when`: All; Past = ended (end < now); Upcoming = not started (start > now);
    In progress / Upcoming = not yet ended (end >= now). Default: In progress / Upcoming.

    Past lists the most recent first; the others the soonest first. `now` may be given (tests,
    reports); it defaults to the time of the query.
    """

    when = django_filters.ChoiceFilter(
        label="Show",
        choices=When.CHOICES,
        empty_label=None,
        method="filter_when",
        widget=forms.RadioSelect,
    )
    course = IdChoiceFilter(
        label="Course", queryset=Course.objects.order_by("title"), empty_label="All courses"
    )
    q = django_filters.CharFilter(label="Schedule ID or course", method="filter_text")

    class Meta:
        model = Schedule
        fields = ["when", "course", "q"]

    def __init__(self, data=None, queryset=None, *, now=None, **kwargs):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("when"):
            data["when"] = When.DEFAULT
        self.now = now
        super().__init__(data, queryset=queryset, **kwargs)

    @property
    def course_options(self) -> list[tuple]:
        """The course choices in one query (iterating the field in a template counts first)."""
        if not hasattr(self, "_course_options"):
            self._course_options = list(self.form.fields["course"].choices)
        return self._course_options

    def filter_when(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        now = self.now or timezone.now()
        if value == When.PAST:
            return queryset.past(now).order_by("-end_at", "-id")
        if value == When.UPCOMING:
            return queryset.upcoming(now).order_by("start_at", "id")
        if value == When.CURRENT:
            return queryset.current_or_upcoming(now).order_by("start_at", "id")
        return queryset.order_by("-start_at", "-id")

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = " ".join(value.split())[:100]
        if not value:
            return queryset
        # Courses are few: find them first, so the schedules need no join to be searched.
        course_ids = list(
            Course.objects.filter(title__icontains=value).values_list("id", flat=True)
        )
        return queryset.filter(Q(code__icontains=value) | Q(course_id__in=course_ids))
