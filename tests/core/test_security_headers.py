"""Security headers (issue 8): a Content-Security-Policy with no 'unsafe-inline' or eval,
that the templates can satisfy, and Referrer-Policy, Permissions-Policy, X-Frame-Options.
tests/core/test_csp_browser.py checks in Chromium that the pages raise no violation."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template

from notifications.models import EmailTemplate
from notifications.services import email_queue, email_template_update

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, str]:
    return dict(
        (part.strip().split(" ", 1) + [""])[:2]
        for part in response["Content-Security-Policy"].split(";")
    )


@pytest.mark.parametrize("path", ["/login/", "/bookings/", "/no-such-page/", "/password-reset/"])
def test_every_response_has_the_headers(admin_client, path):
    response = admin_client.get(path)
    csp = policy(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert csp["base-uri"] == "'none'" and csp["form-action"] == "'self'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


# What a Content-Security-Policy without 'unsafe-inline' / 'unsafe-eval' refuses.
INLINE = {
    "style attribute": re.compile(r"""\sstyle\s*=""", re.I),
    "<style> element": re.compile(r"<style[\s>]", re.I),
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "on* handler": re.compile(r"""\son[a-z]+\s*=\s*["'{]""", re.I),
    "hx-on handler": re.compile(r"hx-on", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "js: value": re.compile(r"""hx-(vals|vars|headers)\s*=\s*["']\s*(js|javascript):""", re.I),
}
# PDFs are rendered by WeasyPrint on the server: no browser, no policy.
NOT_PAGES = ("invoicing/pdf/",)


def _templates():
    for base in [ROOT / "templates", *ROOT.glob("*/templates")]:
        for path in sorted(base.rglob("*.html")):
            name = path.relative_to(base).as_posix()
            if not name.startswith(NOT_PAGES) and ".venv" not in path.parts:
                yield name, path


def test_no_template_needs_unsafe_inline():
    found = []
    templates = list(_templates())
    assert len(templates) > 50
    for name, path in templates:
        text = path.read_text()
        for what, pattern in INLINE.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{name}:{line}: {what}: {match.group(0)!r}")
    assert not found, "\n".join(found)


def test_the_lint_finds_what_it_looks_for():
    samples = {
        '<p style="color:red">': "style attribute",
        "<style>p{}</style>": "<style> element",
        "<script>alert(1)</script>": "inline <script>",
        '<button onclick="go()">': "on* handler",
        '<form hx-on::after-request="x()">': "hx-on handler",
        '<a href="javascript:void(0)">': "javascript: URL",
        "<div hx-vals='js:{a: 1}'>": "js: value",
    }
    for sample, what in samples.items():
        assert INLINE[what].search(sample), what
    fine = '<script src="/static/app.js" defer></script><input name="on" data-online="1">'
    assert not any(p.search(fine) for p in INLINE.values())


def test_htmx_is_told_not_to_inject_styles_or_eval(admin_client):
    page = admin_client.get("/bookings/").content.decode()
    assert (
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, '
        '"allowEval": false}\'>' in page
    )
    css = (ROOT / "static/css/app.css").read_text()
    assert ".htmx-indicator" in css  # the styles HTMX would otherwise inject


def test_the_500_page_needs_no_inline_style():
    html = get_template("500.html").render()
    assert "style=" not in html and "/static/css/app.css" in html


def test_an_emails_html_is_served_alone_in_a_sandbox(admin_client, admin_user):
    template = EmailTemplate.objects.get(key="test_email")
    email_template_update(
        actor=admin_user,
        template=template,
        subject=template.subject,
        body=template.body,
        html_body='<p style="color: #123456">Hello {{ name }}</p>',
    )
    message = email_queue(to="x@example.test", template_key="test_email", context={"name": "Al"})

    page = admin_client.get(f"/notifications/outbox/{message.pk}/").content.decode()
    assert f'src="/notifications/outbox/{message.pk}/html/"' in page and "srcdoc" not in page
    response = admin_client.get(f"/notifications/outbox/{message.pk}/html/")
    assert response.content.decode() == '<p style="color: #123456">Hello Al</p>'
    csp = policy(response)
    assert csp["style-src"] == "'unsafe-inline'" and csp["default-src"] == "'none'"
    assert "sandbox" in csp and csp["frame-ancestors"] == "'self'"
    assert "script-src" not in csp  # default-src 'none': no script at all
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_the_template_page_previews_the_unsaved_html_in_the_frame(admin_client):
    url = "/notifications/templates/test_email/"
    data = {"subject": "S", "body": "B", "html_body": "<b style='x'>Draft {{ name }}</b>"}
    page = admin_client.post(url, {**data, "action": "preview"}).content.decode()
    assert 'src="/notifications/templates/test_email/preview.html?v=' in page
    frame = admin_client.get(url + "preview.html")
    assert frame.content.decode() == "<b style='x'>Draft Alice Admin</b>"
    assert policy(frame)["style-src"] == "'unsafe-inline'"
    # Back on the page (nothing saved), the frame shows the saved version: no HTML at all.
    admin_client.get(url)
    assert admin_client.get(url + "preview.html").status_code == 404


def test_the_policy_is_a_setting():
    assert settings.CONTENT_SECURITY_POLICY["script-src"] == "'self'"
