""" "Tuition charges": bulk charges of appointment bookings for a month (SPEC 8).

1. The month and category -> "Preview charges" writes a Previewed run and opens its page.
2. The run's page lists every booking with lessons in the month (the same quote as "New
   Charge"), ticked when something is to be billed; duplicates (charged already, nothing new)
   unticked with the reason. "Post charges" queues the run (a Celery task).
3. The same page then shows the progress, polled every second (HTMX) from the progress
   endpoint until the run is finished, then the result with the invoices. It is the run's
   own URL, so a reload (or coming back later) shows where the run is.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse

from core.access import require
from core.paging import QuickPage
from core.web import posted, submit_once

from ..forms.charges import ChargeRunForm, ChargeRunStartForm
from ..models import AppointmentBooking, ChargeRun, TuitionCharge
from ..recurrence import local_today
from ..services import (
    DEFAULT_CATEGORY,
    charge_run_preview,
    charge_run_quotes,
    charge_run_start,
    month_of,
)

RUN_TEMPLATE = "appointments/charge_run.html"
PER_PAGE = 100


def _run_url(run: ChargeRun) -> str:
    return reverse("appointments:tuition_run", args=[run.pk])


@require("manage_finance")
def tuition_charges(request: HttpRequest) -> HttpResponse:
    month, _ = month_of(local_today())
    form = ChargeRunForm(posted(request), initial={"period": month, "category": DEFAULT_CATEGORY})
    if request.method == "POST":
        answer = submit_once(
            request,
            form,
            title="Preview tuition charges",
            run=lambda: charge_run_preview(
                actor=request.user,
                period_start=form.cleaned_data["period"],
                category=form.cleaned_data["category"],
            ),
            url=_run_url,
            done=lambda run: (
                f"{run.total} booking{'s' if run.total != 1 else ''} to charge "
                f"for {run.period:%B %Y}: check the list and post the charges."
            ),
        )
        if answer is not None:
            return answer
    runs = QuickPage(
        ChargeRun.objects.select_related("created_by"), request.GET.get("page"), per_page=20
    )
    return render(request, "appointments/charge_runs.html", {"form": form, "page": runs})


def _results(run: ChargeRun, page_number, *, charges: bool = True) -> dict:
    """The invoices of a finished run (a page of them) and the bookings not charged."""
    page = charges and QuickPage(
        TuitionCharge.objects.filter(run=run)
        .select_related("booking", "booking__student", "invoice")
        .order_by("pk"),
        page_number,
        per_page=PER_PAGE,
    )
    failures = sorted((int(k), v) for k, v in (run.failures or {}).items())
    refs = AppointmentBooking.objects.select_related("student").in_bulk([k for k, _ in failures])
    return {
        "charges": page,
        "failures": [(refs.get(k), k, message) for k, message in failures],
    }


@require("manage_finance")
def tuition_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ChargeRun.objects.select_related("created_by"), pk=pk)
    context: dict = {"run": run}
    if run.is_previewed:
        quotes = charge_run_quotes(period_start=run.period, category=run.category)
        form = ChargeRunStartForm(posted(request), booking_ids=[qt.booking.pk for qt in quotes])
        if request.method == "POST":
            answer = submit_once(
                request,
                form,
                title="Post tuition charges",
                run=lambda: charge_run_start(
                    actor=request.user, run=run, booking_ids=form.cleaned_data["bookings"]
                ),
                url=_run_url(run),
                done=lambda started: (
                    f"Posting {started.total} tuition charge"
                    f"{'s' if started.total != 1 else ''} for {run.period:%B %Y}."
                ),
            )
            if answer is not None:
                return answer
            ticked = set(form.cleaned_data.get("bookings") or []) if form.is_bound else set()
        else:
            ticked = set(run.booking_ids or [])
        context.update(
            form=form,
            rows=[(qt, qt.booking.pk in ticked and qt.chargeable) for qt in quotes],
            to_charge=sum((qt.amount for qt in quotes if qt.chargeable), start=0),
        )
    else:
        context.update(_results(run, request.GET.get("page"), charges=run.is_finished))
    return render(request, RUN_TEMPLATE, context)


@require("manage_finance")
def tuition_run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment (polled every second while the run is going)."""
    run = get_object_or_404(ChargeRun, pk=pk)
    context = {"run": run}
    if not run.is_previewed:
        context.update(_results(run, 1, charges=run.is_finished))
    return render(request, f"{RUN_TEMPLATE}#progress", context)


urlpatterns = [
    path("charges/", tuition_charges, name="tuition_charges"),
    path("charges/<int:pk>/", tuition_run, name="tuition_run"),
    path("charges/<int:pk>/progress/", tuition_run_progress, name="tuition_run_progress"),
]
