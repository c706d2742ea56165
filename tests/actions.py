"""Drive a confirm-style action page (core.web.action_view) the way a browser does.

`preview()` posts the form with "Preview"; `confirm()` posts back exactly the hidden inputs the
preview page carries (the same fields plus the fingerprint) with "Confirm", so the tests go
through the page's real round trip instead of building the confirm post themselves.
"""

from html.parser import HTMLParser

from django.db.models import Max

HX = {"HTTP_HX_REQUEST": "true"}


class _Hidden(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str, str | None]] = []  # name, value, form action
        self.action: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.action = a.get("action")
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.fields.append((a["name"], a.get("value") or "", self.action))

    def handle_endtag(self, tag):
        if tag == "form":
            self.action = None


def hidden_fields(html: str, action: str | None = None) -> dict[str, list[str]]:
    """The hidden inputs of the page (`action`: only those of the forms posting there)."""
    parser = _Hidden()
    parser.feed(html)
    out: dict[str, list[str]] = {}
    for name, value, form_action in parser.fields:
        if name == "csrfmiddlewaretoken" or (action and form_action not in (action, None, "")):
            continue
        out.setdefault(name, []).append(value)
    return out


def form_token(client, url: str, page: str | None = None) -> str:
    """The one-time token (core.onetime) of the form posting to `url`, read from the page
    showing it (`page`, default `url` itself), as a browser gets it."""
    html = client.get(page or url).content.decode()
    tokens = hidden_fields(html, action=url if page else None).get("form_token", [])
    assert tokens, f"{page or url} shows no one-time form posting to {url}"
    return tokens[0]


def submit(client, url: str, data: dict, *, page: str | None = None, **extra):
    """Post a form that changes something the way a browser does: with the one-time token
    of the page showing it (`page`, default the form's own page `url`)."""
    return client.post(url, {**data, "form_token": form_token(client, url, page)}, **extra)


def preview(client, url: str, data: dict, **extra):
    return client.post(url, {**data, "step": "preview"}, **extra)


def confirm(client, url: str, preview_response, **extra):
    html = preview_response.content.decode()
    fields = hidden_fields(html)
    assert "fingerprint" in fields, "the page shows no preview to confirm"
    return client.post(url, {**fields, "step": "confirm"}, **extra)


def preview_and_confirm(client, url: str, data: dict, **extra):
    shown = preview(client, url, data, **extra)
    assert shown.status_code == 200, shown.status_code
    return confirm(client, url, shown, **extra)


def ledger_counts() -> dict[str, int]:
    """Rows a money action may write, and the number series: all must stay put on preview."""
    from core.models import AuditEvent
    from invoicing.models import (
        Allocation,
        CreditNote,
        DocumentSequence,
        Invoice,
        Operation,
        Payment,
        Refund,
        RevenueEntry,
    )
    from notifications.models import OutboxMessage

    counts = {
        m.__name__: m.objects.count()
        for m in (
            Invoice,
            CreditNote,
            Payment,
            Allocation,
            Refund,
            Operation,
            RevenueEntry,
            OutboxMessage,
            AuditEvent,
        )
    }
    for row in DocumentSequence.objects.all():
        counts[f"sequence {row.series}"] = row.last
    counts["balances"] = hash(
        tuple(
            Invoice.objects.order_by("pk").values_list(
                "pk", "outstanding", "overpayment", "status", "credited_total", "paid_total"
            )
        )
    )
    counts["max audit"] = AuditEvent.objects.aggregate(m=Max("pk"))["m"] or 0
    return counts
