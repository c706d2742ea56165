"""tests/core/test_no_server_errors.py once more on SQLite, the embedded default.

Settings are per process, so the module runs again in a pytest of its own without
DATABASE_URL (the embedded SQLite, an in-memory test database) while this suite runs on
PostgreSQL. SQLite differs where bad input bites: it cannot bind an integer past 2^63 at all.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests/core/test_no_server_errors.py"


@pytest.mark.slow
def test_no_server_errors_on_sqlite(tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip("this run is on SQLite already: test_no_server_errors.py ran on it")
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "EMAIL_HOST"}
    }
    env.update({"VAR_DIR": str(tmp_path), "EXPECT_DB_VENDOR": "sqlite", "DJANGO_EMBEDDED": "1"})
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            MODULE,
            "-q",
            "-p",
            "no:cacheprovider",
            "--show-capture=no",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    tail = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, tail
    assert " passed" in result.stdout and "skipped" not in result.stdout, tail
