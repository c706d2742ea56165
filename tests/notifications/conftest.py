"""Fixtures for the notifications tests: a real SMTP listener, a real Celery worker.

The worker tests run the production path end to end: Redis broker, a Celery worker thread
consuming it, Django's SMTP backend talking to an aiosmtpd server on 127.0.0.1.
"""

import asyncio
import logging
import socket
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.db import connections

from notifications import attachments


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.05):
    """Poll until predicate() is truthy; return its value or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s")
        time.sleep(interval)


class RecordingHandler:
    """aiosmtpd handler that keeps what it receives; it can refuse the first `refuse` messages
    with a temporary error (451), like a mail server that asks to try again later."""

    def __init__(self, refuse: int = 0):
        self.refuse = refuse
        self.attempts = 0
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.attempts <= self.refuse:
            return "451 4.3.0 Try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpListener:
    """A real SMTP server on 127.0.0.1; `start()` can come later than creation, so a test can
    point Django at a port where nothing listens yet (SMTP down) and bring it up afterwards."""

    def __init__(self, port: int, handler: RecordingHandler):
        self.port = port
        self.handler = handler
        self.controller: Controller | None = None

    def start(self) -> "SmtpListener":
        # A loop of its own: the Controller runs it in a thread.
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, loop=asyncio.new_event_loop()
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages


@pytest.fixture(autouse=True)
def _broker_tried_afresh():
    """A test that makes the broker fail must not leave the next tests' emails to the sweep
    (after a failure the process leaves the broker alone for OUTBOX_BROKER_BACKOFF s)."""
    from notifications.services.queue import broker_reset

    broker_reset()
    yield
    broker_reset()


@pytest.fixture
def smtp_listener(settings):
    """Factory: smtp_listener(refuse=0, start=True) -> SmtpListener; Django sends through it."""
    made: list[SmtpListener] = []

    def make(*, refuse: int = 0, start: bool = True) -> SmtpListener:
        listener = SmtpListener(free_port(), RecordingHandler(refuse=refuse))
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = listener.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        made.append(listener)
        return listener.start() if start else listener

    yield make
    for listener in made:
        listener.stop()


def _purge(app) -> None:
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)


@pytest.fixture
def fast_retries(settings):
    settings.OUTBOX_RETRY_BACKOFF = 0.4  # first retry after 0.2-0.4 s, then 0.4-0.8 s, ...
    settings.OUTBOX_RETRY_BACKOFF_MAX = 2


@pytest.fixture
def celery_worker(needs_redis, transactional_db, fast_retries):
    """A real Celery worker thread consuming the real Redis broker, eager mode off.

    Eager mode is switched off on the app's conf and restored in `finally` (a monkeypatch of
    app.conf breaks at teardown). The worker thread opens its own database connections: they
    are closed after each task so the test database can be flushed and dropped.
    """
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from config.celery import app
    from notifications import tasks  # noqa: F401  (registers the tasks before the worker starts)

    def close_worker_connections(**kwargs):
        connections.close_all()

    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    task_postrun.connect(close_worker_connections, weak=False)
    # Starting a worker sets up Celery's logging: the root logger's level becomes the worker's
    # ("error") and its handlers are replaced, which would silence the warnings later tests
    # read with caplog. Put both back afterwards.
    root = logging.getLogger()
    root_level, root_handlers = root.level, root.handlers[:]
    try:
        _purge(app)  # leftovers of an earlier, interrupted run
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        task_postrun.disconnect(close_worker_connections)
        app.conf.task_always_eager = was_eager
        root.setLevel(root_level)
        root.handlers[:] = root_handlers


@pytest.fixture
def eager_off(needs_redis):
    """Eager mode off without a worker: tasks go to the real broker and wait there."""
    from config.celery import app

    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        app.conf.task_always_eager = was_eager
        _purge(app)  # drop what the test left in the queue


@pytest.fixture
def attachment_kind():
    """Register a throw-away attachment kind ("test_doc", id -> a small text file)."""
    calls: list[int] = []

    def make_doc(object_id: int):
        calls.append(object_id)
        return f"doc-{object_id}.txt", f"Document number {object_id}\n".encode(), "text/plain"

    attachments.register("test_doc", make_doc)
    try:
        yield calls
    finally:
        attachments._REGISTRY.pop("test_doc", None)
