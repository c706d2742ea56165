"""Finance pages over 100,000 invoices (issue 3: list p95 under 100 ms, constant queries)."""

from urllib.parse import urlencode

from bench.common import Case

LIST_BUDGET_MS = 100

FILTERS = [
    {},
    {"status": "Outstanding"},
    {"status": "Part Completed"},
    {"overdue": "on"},
    {"issued_from": "2025-01-01", "issued_to": "2025-03-31"},
    {"q": "INV-000123"},
    {"q": "ford"},
    {"bill_to": "wood"},
    {"page": "50"},
    {"status": "overpaid"},
]


def _list(params: dict) -> str:
    return "/invoices/?" + urlencode(params)


_ids: list[int] = []


def _invoice_id(i: int) -> int:
    """Rotate over the 50 newest invoices (looked up once, outside the measured requests)."""
    if not _ids:
        from invoicing.models import Invoice

        _ids.extend(Invoice.objects.order_by("-number").values_list("id", flat=True)[:50])
    return _ids[i % len(_ids)]


CASES = [
    Case("invoice list (full page, no filter)", "/invoices/", user_role="Finance",
         budget_ms=LIST_BUDGET_MS),
    *[
        Case(f"invoice list (HTMX): {params}", _list(params), user_role="Finance", htmx=True,
             budget_ms=LIST_BUDGET_MS)
        for params in FILTERS[1:]
    ],
    Case("invoice list (HTMX): mixed filters", lambda i: _list(FILTERS[i % len(FILTERS)]),
         user_role="Finance", htmx=True, requests=100, budget_ms=LIST_BUDGET_MS),
    Case("invoice detail", lambda i: f"/invoices/{_invoice_id(i)}/", user_role="Finance",
         budget_ms=LIST_BUDGET_MS),
]  # fmt: skip
