"""Calendars pages: the list (Admin), add / edit / remove, the link and refresh actions, the
calendar filter's choice, and the public iCalendar feed at a secret token URL."""

import secrets

from dateutil.relativedelta import relativedelta
from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from core.access import require
from core.web import action_view, posted, submit_once

from . import selectors, services
from .events import calendar_events
from .forms import CalendarChoiceForm, CalendarForm
from .ical import feed_ics
from .models import Calendar, CalendarPush


@require("manage_calendars")
def calendar_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "calendars/list.html",
        {"calendars": list(selectors.calendar_list()), "page_title": "Integrated calendars"},
    )


@require("manage_calendars")
def calendar_add(request: HttpRequest) -> HttpResponse:
    form = CalendarForm(posted(request))
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title="Add calendar",
            run=lambda: services.calendar_create(actor=request.user, **form.cleaned_data),
            url=lambda calendar: reverse("calendars:edit", args=[calendar.pk]),
            done=lambda calendar: f"Calendar {calendar.name} added; it is read in a moment.",
        )
    ):
        return response
    return render(request, "calendars/form.html", {"form": form, "page_title": "Add calendar"})


def _calendar_or_404(pk: int) -> Calendar:
    return get_object_or_404(Calendar.objects.select_related("owner", "venue"), pk=pk)


@require("manage_calendars")
def calendar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = _calendar_or_404(pk)
    initial = {
        "name": calendar.name,
        "url": calendar.url,
        "username": calendar.username,
        "owner": calendar.owner_id,
        "venue": calendar.venue_id,
        "count_transparent": calendar.count_transparent,
        "refresh_minutes": calendar.refresh_minutes,
    }
    form = CalendarForm(posted(request), initial=initial, calendar=calendar)
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title=f"Edit calendar {calendar.name}",
            run=lambda: services.calendar_update(
                actor=request.user,
                calendar=calendar,
                **{"name": calendar.name, **form.cleaned_data},
            ),
            url=reverse("calendars:edit", args=[calendar.pk]),
            done=lambda c: f"Calendar {c.name} saved.",
        )
    ):
        return response
    pushes = list(
        CalendarPush.objects.filter(calendar=calendar)
        .select_related("event")
        .order_by("-last_attempt_at", "-pk")[:20]
    )
    return render(
        request,
        "calendars/edit.html",
        {
            "calendar": calendar,
            "form": form,
            "feed_url": request.build_absolute_uri(calendar.feed_path()),
            "pushes": pushes,
            "page_title": calendar.name,
        },
    )


def _confirm(request, calendar, *, title, submit, consequence, run, done, danger=False, **kw):
    return action_view(
        request,
        form=forms.Form(posted(request)),
        run=lambda data: run(),
        done=lambda result, data: done(result),
        title=title,
        subject=calendar.name,
        back_url=reverse("calendars:edit", args=[calendar.pk]),
        submit=submit,
        preview=False,
        danger=danger,
        consequence=consequence,
        **kw,
    )


@require("manage_calendars")
@vary_on_headers("HX-Request")
def calendar_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = _calendar_or_404(pk)
    return _confirm(
        request,
        calendar,
        title="Regenerate link",
        submit="Regenerate link",
        consequence="The calendar gets a new secret address. The old link stops working at "
        "once: everyone subscribed to it must subscribe to the new one.",
        run=lambda: services.calendar_token_regenerate(actor=request.user, calendar=calendar),
        done=lambda c: "A new link was made; the old one no longer works.",
        danger=True,
    )


@require("manage_calendars")
@vary_on_headers("HX-Request")
def calendar_delete(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = _calendar_or_404(pk)
    return _confirm(
        request,
        calendar,
        title="Remove calendar",
        submit="Remove calendar",
        consequence="The calendar, its busy times and its link are removed. Events already "
        "pushed to a CalDAV collection stay there.",
        run=lambda: services.calendar_delete(actor=request.user, calendar=calendar),
        done=lambda result: f"Calendar {calendar.name} removed.",
        danger=True,
        success_url=reverse("calendars:list"),
    )


@require("manage_calendars")
@vary_on_headers("HX-Request")
def calendar_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = _calendar_or_404(pk)
    if calendar.is_external:
        return _confirm(
            request,
            calendar,
            title="Refresh now",
            submit="Refresh now",
            consequence="The calendar is read again now; its busy times are replaced once the "
            "whole feed has been read.",
            run=lambda: services.calendar_refresh_request(actor=request.user, calendar=calendar),
            done=lambda result: f"Calendar {calendar.name} is being read again.",
        )
    return _confirm(
        request,
        calendar,
        title="Push again",
        submit="Push again",
        consequence="The pushes that failed are sent to the CalDAV collection again.",
        run=lambda: services.push_retry_failed(actor=request.user, calendar=calendar),
        done=lambda n: f"{n} push(es) queued again.",
    )


@require("manage_calendars")
@vary_on_headers("HX-Request")
def calendars_sync(request: HttpRequest) -> HttpResponse:
    return action_view(
        request,
        form=forms.Form(posted(request)),
        run=lambda data: services.calendars_sync_staff_and_venues(actor=request.user),
        done=lambda made, data: f"{made} calendar(s) created.",
        title="Create staff and venue calendars",
        subject="Integrated calendars",
        back_url=reverse("calendars:list"),
        submit="Create calendars",
        preview=False,
        consequence="Every staff member and every venue without a calendar gets one, with its "
        "own secret feed link.",
    )


@require("view_backoffice")
@vary_on_headers("HX-Request")
def calendar_choose(request: HttpRequest) -> HttpResponse:
    """The calendar filter: "select the calendar you wish to view by using the checkbox"."""
    ids = selectors.ticked_ids(request.user)
    visible = selectors.calendars_for(request.user)
    initial = {"calendars": list(visible.values_list("pk", flat=True)) if ids is None else ids}
    form = CalendarChoiceForm(posted(request), initial=initial, user=request.user)
    back = request.GET.get("next", "")
    safe = back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    url = back if safe else reverse("home")
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title="Choose calendars",
            run=lambda: services.calendar_choice_set(
                actor=request.user, calendar_ids=[c.pk for c in form.cleaned_data["calendars"]]
            ),
            url=url,
            done=lambda ids: f"Showing {len(ids)} calendar(s).",
        )
    ):
        return response
    return render(
        request,
        "calendars/choose.html",
        {"form": form, "next": url, "page_title": "Choose calendars"},
    )


@never_cache
@require_safe
def feed(request: HttpRequest, feed_token: str) -> HttpResponse:
    """The iCalendar feed of a staff or venue calendar; a wrong or revoked token is a 404."""
    if len(feed_token) > 64:
        raise Http404
    calendar = Calendar.objects.filter(feed_token=feed_token).select_related("owner").first()
    if calendar is None or not secrets.compare_digest(calendar.feed_token, feed_token):
        raise Http404
    if not calendar.is_own:
        raise Http404
    since = timezone.now() - relativedelta(months=1)
    body = feed_ics(calendar.name, calendar_events(calendar, since))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
