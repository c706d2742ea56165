"""Contact search: the live search of the contacts page and the pickers' suggestions."""

from urllib.parse import urlencode

from bench.common import Case

SEARCH_BUDGET_MS = 50  # SPEC 10 / issue 2: contact search p95 under 50 ms at 100,000 contacts

QUERIES = [
    "07700 900123",
    "+447700900123",
    "7700900123",
    "smith",
    "ann smith",
    "oli",
    "harris",
    "07700 9001",
    "Kingsford",
    "zz",
]


def _pick(q: str) -> str:
    return "/contacts/pick/contacts/?" + urlencode({"q": q, "name": "student"})


def _live(q: str) -> str:
    return "/contacts/?" + urlencode({"q": q})


def _first_organisation() -> int:
    from contacts.models import Organisation

    return Organisation.objects.order_by("id").values_list("id", flat=True).first()


CASES = [
    *[
        Case(f"contact picker: {q!r}", _pick(q), htmx=True, budget_ms=SEARCH_BUDGET_MS)
        for q in QUERIES[:6]
    ],
    Case(
        "contact picker: mixed queries",
        lambda i: _pick(QUERIES[i % len(QUERIES)]),
        htmx=True,
        requests=100,
        budget_ms=SEARCH_BUDGET_MS,
    ),
    Case(
        "contacts live search (HTMX): mixed queries",
        lambda i: _live(QUERIES[i % len(QUERIES)]),
        htmx=True,
        requests=100,
        budget_ms=SEARCH_BUDGET_MS,
    ),
    Case(
        "contacts live search (HTMX): mobile",
        _live("+44 7700 900123"),
        htmx=True,
        budget_ms=SEARCH_BUDGET_MS,
    ),  # fmt: skip
    Case("contacts page (full, no query)", "/contacts/"),
    Case(
        "lead booker picker: members of an organisation",
        lambda i: (
            "/contacts/pick/contacts/?"
            + urlencode({"q": "", "organisation": _first_organisation(), "name": "lead_booker"})
        ),
        htmx=True,
        budget_ms=SEARCH_BUDGET_MS,
    ),
    Case(
        "organisation picker: 'ltd'",
        "/contacts/pick/organisations/?q=ltd&name=organisation",
        htmx=True,
        budget_ms=SEARCH_BUDGET_MS,
    ),
]
