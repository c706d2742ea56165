"""Shared by bench/generate.py, bench/run.py and the generate_* / cases_* modules."""

import os
import random
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent


def setup_django(*, require_postgres: bool = True) -> None:
    """Production settings (DEBUG off) against DATABASE_URL, answering the test Client."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    url = os.environ.get("DATABASE_URL", "")
    if require_postgres and not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "The bench needs PostgreSQL: set DATABASE_URL=postgres://user@host:port/dbname "
            "(SQLite figures would mean nothing)."
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault(
        "DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789"
    )
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    # The bench sends no real email and may run without REDIS_URL (tasks in-process).
    os.environ.setdefault("DJANGO_EMBEDDED", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.conf import settings

    django.setup()
    # Production uses the hashed manifest storage, which needs `collectstatic` first; a plain
    # storage builds the same /static/ URLs without it (a dict lookup either way).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def modules(prefix: str) -> list[str]:
    """Dotted names of bench/<prefix>*.py, in name order."""
    return [f"bench.{p.stem}" for p in sorted(BENCH_DIR.glob(f"{prefix}*.py"))]


@dataclass
class Context:
    """What a `generate(ctx)` function gets."""

    rng: random.Random
    scale: float
    now: datetime
    log: Callable[[str], None] = print

    def n(self, full_size: int) -> int:
        """A row count at the current scale (at least 1)."""
        return max(1, int(full_size * self.scale))

    @contextmanager
    def timed(self, label: str):
        started = time.perf_counter()
        yield
        self.log(f"  {label:<48} {time.perf_counter() - started:7.2f} s")

    def copy_rows(self, table: str, columns: Iterable[str], rows: Iterable[tuple]) -> int:
        """COPY rows into a table (PostgreSQL), then ANALYZE it; returns the number of rows.

        The ANALYZE matters: without fresh statistics, the foreign-key checks of the next COPY
        into a table that refers to this one are planned as sequential scans of a table the
        planner believes empty, and a 100,000-row COPY then takes many minutes instead of
        seconds.
        """
        from django.db import connection

        columns = list(columns)
        count = 0
        with connection.cursor() as cursor:
            statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            cursor.execute(f"ANALYZE {table}")
        return count


@dataclass
class Case:
    """One page measured by bench/run.py."""

    name: str
    url: str | Callable[[int], str]
    user_role: str = "Admin"
    htmx: bool = False
    requests: int = 50
    budget_ms: float | None = None
    tags: list[str] = field(default_factory=list)

    def url_for(self, i: int) -> str:
        return self.url(i) if callable(self.url) else self.url
