"""Reads of courses and schedules shared by pages, pickers and other apps."""

from django.db.models import Count, Prefetch, QuerySet
from django.http import QueryDict

from core.access import has
from core.paging import QuickPage

from .filters import ScheduleFilter
from .models import Course, Schedule, TimetableSession

PICKER_PER_PAGE = 20


def own_schedules_only(user) -> bool:
    """Trainers (Provider role) see their own timetable only (SPEC 1).

    Everyone who sees bookings sees every schedule; a back-office user who sees schedules but
    not bookings is a trainer.
    """
    return not has(user, "view_bookings")


def schedules_visible_to(user) -> QuerySet[Schedule]:
    qs = Schedule.objects.all()
    if own_schedules_only(user):
        qs = qs.filter(trainer=user)
    return qs


def schedule_list_queryset(user=None) -> QuerySet[Schedule]:
    qs = Schedule.objects.all() if user is None else schedules_visible_to(user)
    return qs.select_related("course", "venue", "trainer")


def schedule_picker_list(
    params: QueryDict | dict | None = None,
    *,
    user=None,
    per_page: int = PICKER_PER_PAGE,
    now=None,
) -> QuickPage:
    """One page of schedules for the filter in `params` (when, course, q, page).

    Returns a page (iterate it; `number`, `has_next()`, `has_previous()`, `next_page_number()`,
    `previous_page_number()` as on Django's Page, but no total count: at 20,000 schedules the
    count costs more than the page) whose schedules have `places_left` and `is_full`. The bound
    `ScheduleFilter` is on `page.filterset` for its form and errors. Pass `user` to apply what
    that user may see. Constant queries: the page, plus the courses when the form is rendered.
    """
    if isinstance(params, dict):
        data = QueryDict(mutable=True)
        data.update(params)
        params = data
    filterset = ScheduleFilter(params, queryset=schedule_list_queryset(user), now=now)
    page = QuickPage(filterset.qs, (params or {}).get("page"), per_page)
    page.filterset = filterset
    return page


def schedule_detail(pk: int, *, user=None) -> Schedule:
    qs = Schedule.objects.all() if user is None else schedules_visible_to(user)
    return (
        qs.select_related("course", "venue", "trainer")
        .prefetch_related(
            Prefetch("sessions", queryset=TimetableSession.objects.order_by("date", "start_time"))
        )
        .get(pk=pk)
    )


def course_list() -> QuerySet[Course]:
    return Course.objects.annotate(schedule_count=Count("schedules")).order_by("title", "id")
