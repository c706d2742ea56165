"""Measure pages in-process at the bench scale and print median / p95 / queries (bench/__init__).

DATABASE_URL=postgres://postgres@127.0.0.1:5432/td_bench python bench/run.py
"""

import argparse
import importlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Case, modules, setup_django  # noqa: E402

WARMUP = 3


def collect_cases(only: str) -> list[Case]:
    cases: list[Case] = []
    for name in modules("cases_"):
        cases.extend(importlib.import_module(name).CASES)
    if only:
        cases = [c for c in cases if only.lower() in c.name.lower()]
    return cases


def client_for(role: str, clients: dict):
    from django.contrib.auth.models import Group, User
    from django.test import Client

    if role not in clients:
        slug = role.lower().replace(" ", "_").replace("/", "")
        user, created = User.objects.get_or_create(
            username=f"bench.{slug}", defaults={"first_name": "Bench", "last_name": role}
        )
        if created:
            user.groups.add(Group.objects.get(name=role))
        client = Client()
        client.force_login(user)
        clients[role] = client
    return clients[role]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(case: Case, client, requests: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HX-Request": "true"} if case.htmx else {}
    statuses = set()
    for i in range(WARMUP):
        client.get(case.url_for(i), headers=headers, secure=True)
    timings = []
    for i in range(requests):
        url = case.url_for(i)
        started = time.perf_counter()
        response = client.get(url, headers=headers, secure=True)
        timings.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(case.url_for(0), headers=headers, secure=True)
    return {
        "median": statistics.median(timings),
        "p95": p95(timings),
        "queries": len(queries.captured_queries),
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, help="timed requests per case (default: its own)")
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from contacts.models import Contact

    clients: dict = {}
    cases = collect_cases(args.only)
    print(
        f"{Contact.objects.count():,} contacts in {connection.settings_dict['NAME']}; "
        f"server time in ms through the Django test Client\n"
    )
    header = f"{'case':<56} {'n':>4} {'median':>8} {'p95':>8} {'queries':>7}  result"
    print(header)
    print("-" * len(header))
    failed = False
    for case in cases:
        requests = args.requests or case.requests
        result = measure(case, client_for(case.user_role, clients), requests)
        problems = []
        if result["statuses"] != {200}:
            problems.append(f"status {sorted(result['statuses'])}")
        if case.budget_ms is not None and result["p95"] > case.budget_ms:
            problems.append(f"p95 over {case.budget_ms:g} ms")
        verdict = "FAIL " + ", ".join(problems) if problems else "ok"
        if case.budget_ms is not None and not problems:
            verdict += f" (budget {case.budget_ms:g} ms)"
        failed = failed or bool(problems)
        print(
            f"{case.name[:56]:<56} {requests:>4} {result['median']:>8.1f} {result['p95']:>8.1f} "
            f"{result['queries']:>7}  {verdict}",
            flush=True,
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
