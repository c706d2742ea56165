"""A real CalDAV server for the calendar sync tests: Radicale on 127.0.0.1.

Started once per test session as a subprocess (a free port, a temporary storage folder, an
htpasswd file with a plain-text user), so pushes go through real HTTP, real ETags and real
`If-None-Match` / `If-Match` handling. Each test gets a fresh collection of its own.
"""

import os
import socket
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from tests.notifications.conftest import (  # noqa: F401  (fixtures shared with these tests)
    celery_worker,
    fast_retries,
    free_port,
    wait_for,
)

USER, PASSWORD = "desk", "s3cret pass"


class RadicaleServer:
    def __init__(self, port: int, folder: str):
        self.port = port
        self.folder = folder
        self.base = f"http://127.0.0.1:{port}"

    def new_collection(self) -> str:
        """MKCALENDAR a fresh collection; returns its URL (with a trailing slash)."""
        url = f"{self.base}/{USER}/cal-{uuid.uuid4().hex[:10]}/"
        r = httpx.request("MKCALENDAR", url, auth=(USER, PASSWORD), timeout=10)
        assert r.status_code == 201, r.text
        return url

    def client(self):
        import caldav

        return caldav.DAVClient(url=self.base, username=USER, password=PASSWORD)


def _wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail("Radicale did not start")


@pytest.fixture(scope="session")
def radicale(tmp_path_factory):
    folder = tmp_path_factory.mktemp("radicale")
    users = folder / "users"
    users.write_text(f"{USER}:{PASSWORD}\n")
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(folder / "collections"),
            "--auth-type",
            "htpasswd",
            "--auth-htpasswd-filename",
            str(users),
            "--auth-htpasswd-encryption",
            "plain",
            "--rights-type",
            "owner_only",
            "--logging-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    try:
        _wait_port(port)
        yield RadicaleServer(port, str(folder))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(autouse=True)
def _calendar_broker_afresh():
    from calendars.services import broker_reset

    broker_reset()
    yield
    broker_reset()
