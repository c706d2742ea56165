"""A broker that hangs never stalls a request (issue 8, "Faults").

Two real hung brokers: a Redis this test starts on its own port and pauses with CLIENT PAUSE,
and a TCP listener that accepts connections and never answers. The Celery app is pointed at
each (with the project's real broker options) and a group booking is posted through the
view: it redirects within a few seconds, the booking and its outbox rows are committed, and
the rows stay pending for the sweep. Both brokers give up after HANG seconds, so without the
timeouts this test fails instead of hanging.
"""

import logging
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest
import redis
from django.db import transaction
from django.urls import reverse

from bookings.models import Booking
from notifications.models import OutboxMessage, OutboxState
from notifications.services import email_queue
from notifications.services.queue import broker_reset
from tests.actions import hidden_fields
from tests.bookings.factories import ScheduleFactory, organisation_with_members

from .conftest import free_port

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

HANG = 20  # seconds each hung broker holds a client before letting go
BOUND = 6.0  # seconds a request may spend on a hung broker: one timeout, with margin


def _paused_redis(tmp_path):
    binary = shutil.which("redis-server")
    if not binary:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("redis-server is required when CI=true")
        pytest.skip("redis-server not installed")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port, socket_connect_timeout=1)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        client.execute_command("CLIENT", "PAUSE", HANG * 1000, "ALL")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _silent_listener():
    """Accepts every connection, reads nothing, answers nothing; lets go after HANG s."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[tuple[socket.socket, float]] = []
    stop = threading.Event()

    def serve():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                held.append((conn, time.monotonic()))
            except TimeoutError:
                pass
            for conn, since in list(held):
                if time.monotonic() - since > HANG:
                    conn.close()
                    held.remove((conn, since))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn, _ in held:
            conn.close()
        listener.close()


@pytest.fixture(params=["paused redis", "silent listener"])
def hung_broker(request, tmp_path):
    """The Celery app publishing to a hung broker, with the project's broker options."""
    from config.celery import app

    made = _paused_redis(tmp_path) if request.param == "paused redis" else _silent_listener()
    url = next(made)
    saved = app.conf.broker_url, app.conf.task_always_eager
    # The app keeps its connection and producer pools per broker URL: drop them so the next
    # publish connects to the hung broker (and, afterwards, back to the real one).
    app.conf.broker_url, app.conf.task_always_eager = url, False
    app._pool, app.amqp._producer_pool = None, None
    broker_reset()
    try:
        yield url
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        app._pool, app.amqp._producer_pool = None, None
        broker_reset()
        made.close()


def test_booking_redirects_within_seconds_and_its_emails_stay_pending(
    hung_broker, admin_client, caplog
):
    org, (lead, *delegates) = organisation_with_members(3)
    schedule = ScheduleFactory()
    add = reverse("bookings:add")
    form = hidden_fields(admin_client.get(add).content.decode())  # the form's one-time token
    data = {
        **form,
        "kind": "group",
        "organisation": org.pk,
        "lead_booker": lead.pk,
        "delegates": [d.pk for d in delegates],
        "schedule": schedule.pk,
        "po_number": "",
        "action": "book",
    }
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="notifications.services"):
        response = admin_client.post(add, data)
    took = time.monotonic() - started

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:detail", args=[booking.pk])
    assert took < BOUND, f"the booking waited {took:.1f}s for the broker"
    emails = list(OutboxMessage.objects.all())
    assert len(emails) == 3  # the lead booker's and each delegate's confirmation
    assert {(m.state, m.attempts) for m in emails} == {(OutboxState.PENDING, 0)}
    assert "the sweep will send them" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_after_one_failure_the_next_emails_do_not_wait_for_the_broker(hung_broker):
    with transaction.atomic():
        first = email_queue(to="a@example.test", template_key="test_email", context={})
    started = time.monotonic()
    for n in range(3):  # three more requests while the broker still hangs
        with transaction.atomic():
            email_queue(to=f"b{n}@example.test", template_key="test_email", context={})
    assert time.monotonic() - started < 0.5
    first.refresh_from_db()
    assert first.state == OutboxState.PENDING
    assert OutboxMessage.objects.filter(state=OutboxState.PENDING).count() == 4
