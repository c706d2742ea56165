"""The filter icon's calendars: the ticked ones are remembered per user (calendars app)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.access import require
from core.web import submit_once

from .. import bridge
from ..forms import CalendarChoiceForm


@require("view_appointments")
@require_POST
def calendar_choice(request: HttpRequest) -> HttpResponse:
    nxt = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})
    if not safe or not nxt.startswith("/calendar/"):
        nxt = reverse("agenda:month")
    choices = bridge.state_for(request.user).choices
    form = CalendarChoiceForm(request.POST, choices=choices)
    if not choices or not form.is_valid():
        messages.error(request, "Those calendars are not available: choose again.")
        return redirect(nxt)
    response = submit_once(
        request,
        form,
        title="Calendars shown",
        run=lambda: bridge.choice_save(request.user, form.cleaned_data["calendars"]),
        url=nxt,
        done=lambda result: "The calendars shown are saved.",
    )
    if response is None:
        messages.error(request, " ".join(form.non_field_errors()) or "Nothing was saved.")
        return redirect(nxt)
    return response


urlpatterns = [path("calendars/", calendar_choice, name="calendars")]
