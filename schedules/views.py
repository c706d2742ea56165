from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from core.access import has, require
from core.forms import OptionalReasonForm
from core.web import action_view, int_or_none, partial_template, posted, submit_once

from . import selectors, services
from .forms import CourseForm, ScheduleForm, SessionForm
from .models import Course, Schedule, TimetableSession


@require("view_schedules")
@vary_on_headers("HX-Request")
def schedule_list(request: HttpRequest) -> HttpResponse:
    page = selectors.schedule_picker_list(request.GET, user=request.user, per_page=25)
    return render(
        request,
        partial_template(request, "schedules/schedule_list.html", "results"),
        {
            "page": page,
            "filter": page.filterset,
            "own_only": selectors.own_schedules_only(request.user),
            "can_manage": has(request.user, "manage_schedules"),
        },
    )


@require("view_schedules")
@vary_on_headers("HX-Request")
def schedule_pick(request: HttpRequest) -> HttpResponse:
    """The filter and the list with "Select" per schedule, for forms that pick a schedule.

    GET when, course, q, page, and `name` (the name of the submit button carrying the
    schedule id, default "schedule"). Full schedules cannot be selected.
    """
    page = selectors.schedule_picker_list(request.GET, user=request.user)
    name = (request.GET.get("name") or "schedule")[:50]
    return render(
        request,
        partial_template(request, "schedules/schedule_pick.html", "picker"),
        {"page": page, "filter": page.filterset, "select_name": name},
    )


@require("view_schedules")
def schedule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, pk)


def _render_detail(request: HttpRequest, pk: int, session_form=None) -> HttpResponse:
    try:
        schedule = selectors.schedule_detail(pk, user=request.user)
    except Schedule.DoesNotExist:
        raise Http404 from None
    can_manage = has(request.user, "manage_schedules")
    return render(
        request,
        "schedules/schedule_detail.html",
        {
            "schedule": schedule,
            "register_url": (
                reverse("bookings:schedule_register", args=[schedule.pk])
                if has(request.user, "view_bookings")
                else ""
            ),
            "can_manage": can_manage,
            "session_form": session_form or SessionForm(),
        },
        status=400 if session_form is not None else 200,
    )


@require("manage_schedules")
def schedule_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    course_id = int_or_none(request.GET.get("course"))
    if course_id:
        initial["course"] = course_id
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title="New schedule",
            run=lambda: services.schedule_create(actor=request.user, **form.service_kwargs()),
            url=lambda schedule: reverse("schedules:detail", args=[schedule.pk]),
            done=lambda schedule: f"Schedule {schedule.code} created. Now add its sessions.",
        )
    ):
        return response
    return render(request, "schedules/schedule_form.html", {"form": form, "schedule": None})


@require("manage_schedules")
def schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(Schedule.objects.select_related("course"), pk=pk)
    form = ScheduleForm(
        request.POST or None, initial=ScheduleForm.initial_for(schedule), editing=True
    )
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title=f"Edit schedule {schedule.code}",
            run=lambda: services.schedule_update(
                actor=request.user, schedule=schedule, **form.service_kwargs()
            ),
            url=reverse("schedules:detail", args=[schedule.pk]),
            done=lambda result: "Schedule saved.",
        )
    ):
        return response
    return render(request, "schedules/schedule_form.html", {"form": form, "schedule": schedule})


@require_POST
@require("manage_schedules")
def session_add(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(Schedule, pk=pk)
    form = SessionForm(request.POST)
    response = submit_once(
        request,
        form,
        title=f"Add a session to {schedule.code}",
        run=lambda: services.session_add(
            actor=request.user, schedule=schedule, **form.cleaned_data
        ),
        url=reverse("schedules:detail", args=[schedule.pk]),
        done=lambda result: "Session added.",
    )
    if response:
        return response
    return _render_detail(request, pk, session_form=form)


@require("manage_schedules")
@vary_on_headers("HX-Request")
def session_remove(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    """Asks first, naming who is booked and will be emailed (or why it cannot be removed)."""
    session = get_object_or_404(
        TimetableSession.objects.select_related("schedule"), pk=session_pk, schedule_id=pk
    )
    schedule = session.schedule
    refusal, booked = services.session_removal_check(session)
    if refusal:
        consequence = refusal
    elif booked:
        names = ", ".join(c.full_name for c in booked[:10]) + (
            " and others" if len(booked) > 10 else ""
        )
        consequence = (
            f"{len(booked)} {'person is' if len(booked) == 1 else 'people are'} booked on "
            f"{schedule.code} ({names}). Their attendance for this session is removed and "
            "each of them with an email address is emailed the change, with the reason below."
        )
    else:
        consequence = "Nobody is booked on this schedule: the session is simply removed."
    return action_view(
        request,
        form=OptionalReasonForm(posted(request)),
        run=lambda data: services.session_remove(
            actor=request.user, session=session, reason=data["reason"]
        ),
        done=lambda told, data: (
            f"Session {session} removed"
            + (f"; {len(told)} delegate{'s' if len(told) != 1 else ''} emailed." if told else ".")
        ),
        title=f"Remove session {session}",
        subject=schedule.code,
        back_url=reverse("schedules:detail", args=[schedule.pk]),
        submit="Remove session",
        preview=False,
        danger=True,
        consequence=consequence,
    )


@require("view_schedules")
def course_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "schedules/course_list.html",
        {
            "courses": selectors.course_list(),
            "can_manage": has(request.user, "manage_schedules"),
        },
    )


@require("manage_schedules")
def course_create(request: HttpRequest) -> HttpResponse:
    return _course_form(request, None)


@require("manage_schedules")
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _course_form(request, get_object_or_404(Course, pk=pk))


def _course_form(request: HttpRequest, course: Course | None) -> HttpResponse:
    form = CourseForm(request.POST or None, initial=CourseForm.initial_for(course))
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title="New course" if course is None else f"Edit course {course.title}",
            run=lambda: (
                services.course_create(actor=request.user, **form.service_kwargs())
                if course is None
                else services.course_update(
                    actor=request.user, course=course, **form.service_kwargs()
                )
            ),
            url=reverse("schedules:courses"),
            done=lambda saved: (
                f"Course {saved.title} created." if course is None else "Course saved."
            ),
        )
    ):
        return response
    return render(request, "schedules/course_form.html", {"form": form, "course": course})
