"""Bulk tuition charges ("Tuition charges") end to end: the page's preview list, "Post
charges" queueing a run that a REAL Celery worker (Redis broker) runs, the progress endpoint
polled as the page does, the result with the invoices; re-runs bill only the difference; a
task delivered twice charges nothing twice; one booking's failure does not stop the rest.

Dates are next month's (real time: the worker thread shares the clock)."""

import datetime
import re
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from appointments import tasks
from appointments.models import ChargeRun, ChargeRunState, Seat, TuitionCharge
from appointments.recurrence import local_today
from appointments.services import (
    appointment_book,
    charge_run_execute,
    charge_run_preview,
    charge_run_start,
    tuition_charge,
)
from appointments.services import charge_runs as charge_runs_module
from appointments.states import BookingFrequency
from invoicing.models import Invoice
from tests.actions import form_token, hidden_fields
from tests.notifications import conftest as worker_fixtures
from tests.notifications.conftest import wait_for

from .factories import (
    AppointmentTypeFactory,
    ContactFactory,
    FamilyFactory,
    PricingScheduleFactory,
    timeslot,
)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

# The real Celery worker (Redis broker) of the notifications tests, and eager mode off.
celery_worker = worker_fixtures.celery_worker
eager_off = worker_fixtures.eager_off
fast_retries = worker_fixtures.fast_retries


def next_month() -> datetime.date:
    return (local_today().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def make_bookings(actor, n: int, *, first: datetime.date, price="25.00"):
    """n students booked every Monday and Thursday of the month `first` (one timeslot with
    room for them all), every other one in a family."""
    kind = AppointmentTypeFactory(
        capacity=n, pricing_schedule=PricingScheduleFactory(amount=Decimal(price))
    )
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    slot = timeslot(actor, appointment_type=kind, weekdays=(0, 3), start_date=first, capacity=n)
    out = []
    for i in range(n):
        family = FamilyFactory() if i % 2 else None
        out.append(
            appointment_book(
                actor=actor,
                student=ContactFactory(family=family),
                timeslot=slot,
                frequency=BookingFrequency.RECURRING,
                start_date=first,
                end_date=last,
            )
        )
    return out


def lessons_of(booking, first) -> int:
    return Seat.objects.filter(
        booking=booking,
        state="booked",
        occurrence__date__year=first.year,
        occurrence__date__month=first.month,
    ).count()


def test_page_preview_post_and_progress_with_a_real_worker(
    celery_worker, admin_client, admin_user, monkeypatch
):
    first = next_month()
    bookings = make_bookings(admin_user, 12, first=first)
    already = tuition_charge(actor=admin_user, booking=bookings[0], period_start=first)
    # Each charge a little slower, so the polls below see the run under way.
    real_charge = charge_runs_module.tuition_charge

    def slow_charge(**kwargs):
        time.sleep(0.08)
        return real_charge(**kwargs)

    monkeypatch.setattr(charge_runs_module, "tuition_charge", slow_charge)
    monkeypatch.setattr(charge_runs_module, "PROGRESS_EVERY", 0)

    url = reverse("appointments:tuition_charges")
    assert url == "/appointments/charges/"
    page = admin_client.get(url).content.decode()
    assert "Tuition charges" in page and f'value="{local_today():%Y-%m}"' in page
    data = {"period": f"{first:%Y-%m}", "category": "Tuition"}
    r = admin_client.post(url, {**data, "form_token": form_token(admin_client, url)})
    run = ChargeRun.objects.get()
    run_url = reverse("appointments:tuition_run", args=[run.pk])
    assert r.status_code == 302 and r["Location"] == run_url
    assert run.state == ChargeRunState.PREVIEWED and run.total == 11
    assert Invoice.objects.count() == 1  # previewing issues nothing

    page = admin_client.get(run_url).content.decode()
    for b in bookings:
        assert b.reference in page and b.student.full_name in page
    boxes = dict(re.findall(r'value="(\d+)" id="charge-\d+"( checked)?', page))
    assert boxes[str(bookings[0].pk)] == ""  # the duplicate: unticked ...
    assert "already charged for" in page and already.invoice.display_no in page  # ... and why
    assert all(boxes[str(b.pk)] == " checked" for b in bookings[1:])
    assert "£" in page and "Post charges" in page

    token = hidden_fields(page, action=run_url)["form_token"][0]
    ticked = [k for k, v in boxes.items() if v]
    r = admin_client.post(run_url, {"bookings": ticked, "form_token": token})
    assert r.status_code == 302 and r["Location"] == run_url

    progress_url = reverse("appointments:tuition_run_progress", args=[run.pk])
    page = admin_client.get(run_url).content.decode()
    assert f'hx-get="{progress_url}" hx-trigger="every 1s"' in page and "<progress" in page
    seen: list[int] = []

    def finished() -> bool:
        fragment = admin_client.get(progress_url, HTTP_HX_REQUEST="true").content.decode()
        seen.append(int(re.search(r"(\d+) charged", fragment).group(1)))
        return "every 1s" not in fragment

    wait_for(finished, timeout=30, interval=0.05)
    assert seen == sorted(seen) and seen[-1] == 11
    assert any(0 < n < 11 for n in seen), seen  # progress seen as it went

    run.refresh_from_db()
    assert (run.state, run.done, run.failed, run.total) == (ChargeRunState.DONE, 11, 0, 11)
    assert run.finished_at is not None
    charges = TuitionCharge.objects.filter(run=run).select_related("invoice")
    assert charges.count() == 11 and Invoice.objects.count() == 12
    page = admin_client.get(run_url).content.decode()
    assert "every 1s" not in page and "Done" in page
    for c in charges:
        assert reverse("invoicing:detail", args=[c.invoice_id]) in page
        assert c.amount == Decimal("25.00") * lessons_of(c.booking, first)


def test_re_run_bills_only_the_difference_and_never_twice(celery_worker, admin_user):
    first = next_month()
    a, b, c = make_bookings(admin_user, 3, first=first)
    run = charge_run_preview(actor=admin_user, period_start=first, category="Tuition")
    charge_run_start(actor=admin_user, run=run, booking_ids=run.booking_ids)
    wait_for(lambda: ChargeRun.objects.get(pk=run.pk).state == ChargeRunState.DONE, timeout=20)
    assert TuitionCharge.objects.count() == 3

    # The same month again, nothing changed: nothing to charge, all listed as duplicates.
    again = charge_run_preview(actor=admin_user, period_start=first, category="Tuition")
    assert again.booking_ids == [] and again.total == 0

    # One lesson cancelled on a, one booking d added: a stays as it is (no credit here), d is
    # charged in full; b and c nothing.
    Seat.objects.filter(pk=a.seats.order_by("pk").values("pk")[:1]).update(state="cancelled")
    [d] = make_bookings(admin_user, 1, first=first)
    third = charge_run_preview(actor=admin_user, period_start=first, category="Tuition")
    assert third.booking_ids == [d.pk]
    # Ticking the duplicates too: the run refuses them one by one and charges only d.
    charge_run_start(actor=admin_user, run=third, booking_ids=[a.pk, b.pk, c.pk, d.pk])
    wait_for(lambda: ChargeRun.objects.get(pk=third.pk).state == ChargeRunState.DONE, timeout=20)
    third.refresh_from_db()
    assert (third.done, third.failed) == (1, 3)
    assert "already charged" in third.failures[str(b.pk)]
    assert TuitionCharge.objects.count() == 4
    per_booking = {x.booking_id: x for x in TuitionCharge.objects.filter(run=third)}
    assert list(per_booking) == [d.pk]


def test_a_task_delivered_twice_charges_each_booking_once(celery_worker, admin_user):
    first = next_month()
    bookings = make_bookings(admin_user, 5, first=first)
    run = charge_run_preview(actor=admin_user, period_start=first, category="Tuition")
    charge_run_start(actor=admin_user, run=run, booking_ids=run.booking_ids)
    # Two more deliveries of the same run while (or after) the first runs.
    tasks.tuition_charge_run_task.delay(run.pk)
    tasks.tuition_charge_run_task.delay(run.pk)
    wait_for(lambda: ChargeRun.objects.get(pk=run.pk).state == ChargeRunState.DONE, timeout=20)
    time.sleep(0.5)  # let the extra deliveries finish
    run.refresh_from_db()
    assert (run.done, run.failed) == (5, 0)
    assert TuitionCharge.objects.count() == 5 and Invoice.objects.count() == 5

    # A redelivery after a crash (the run still "running"): every booking is skipped.
    ChargeRun.objects.filter(pk=run.pk).update(state=ChargeRunState.RUNNING)
    charge_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.state, run.done, run.failed) == (ChargeRunState.DONE, 5, 0)
    assert TuitionCharge.objects.count() == 5
    assert {c.booking_id for c in TuitionCharge.objects.all()} == {b.pk for b in bookings}


def test_a_failure_is_recorded_and_the_others_are_charged(celery_worker, admin_user):
    first = next_month()
    bookings = make_bookings(admin_user, 4, first=first)
    broken = bookings[1]
    run = charge_run_preview(actor=admin_user, period_start=first, category="Tuition")
    type(broken).objects.filter(pk=broken.pk).update(pricing_schedule=None)
    charge_run_start(actor=admin_user, run=run, booking_ids=run.booking_ids)
    wait_for(lambda: ChargeRun.objects.get(pk=run.pk).state == ChargeRunState.DONE, timeout=20)
    run.refresh_from_db()
    assert (run.done, run.failed) == (3, 1)
    assert "no pricing schedule" in run.failures[str(broken.pk)]
    assert not TuitionCharge.objects.filter(booking=broken).exists()


def test_progress_endpoint_of_a_queued_run_polls_then_stops(eager_off, admin_client, admin_user):
    """No worker: the run waits in the broker; the fragment keeps polling. Run in this
    process (as the worker would), the fragment shows the result and stops polling."""
    first = next_month()
    make_bookings(admin_user, 2, first=first)
    run = charge_run_preview(actor=admin_user, period_start=first, category="Tuition")
    charge_run_start(actor=admin_user, run=run, booking_ids=run.booking_ids)
    url = reverse("appointments:tuition_run_progress", args=[run.pk])
    fragment = admin_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "Queued: 0 charged of 2" in fragment
    assert "<html" not in fragment
    charge_run_execute(run_id=run.pk)
    fragment = admin_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in fragment and "Done: 2 charged of 2" in fragment
    assert fragment.count("/invoices/") == 2
    # A second start is refused: one run, one start.
    with pytest.raises(Exception, match="posted already"):
        charge_run_start(actor=admin_user, run=run, booking_ids=run.booking_ids)
