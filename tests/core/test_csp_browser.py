"""Issue 8: the pages satisfy their Content-Security-Policy in a real browser.

The demo data is loaded; for each role (and an anonymous visitor) headless Chromium logs in
through the form and walks the app from its start page, following every link to a page of
a kind (URL name) it has not seen yet, so every page a role can reach is opened once. On each
page, and after the HTMX swaps of the main forms, it collects `securitypolicyviolation`
events (in every frame), console errors and uncaught errors: there must be none, and every
response must carry the policy. Together the roles must have opened every page of the
URLconf but the downloads and the frames' own documents.
"""

from collections import deque
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from core import demo
from tests.core.test_no_server_errors import _urls as every_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect

# Runs in every document and frame before its own scripts.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
    window.__csp.push(`${e.effectiveDirective} refused ${e.blockedURI || "inline"}`
        + ` at ${e.sourceFile || location.pathname}:${e.lineNumber} ${e.sample || ""}`);
});
"""
# Not pages: files to download, and the documents shown inside the pages' email frames
# (opened there, with their own policy).
NOT_PAGES = {
    "invoicing:pdf",
    "invoicing:credit_note_pdf",
    "reports:upcoming_csv",
    "reports:revenue_csv",
    "calendars:feed",  # an iCalendar file, for calendar apps
    "notifications:outbox_html",
    "notifications:template_preview_html",
}
ROLES = ["admin", "teamleader", "trainer", "finance", "family"]
EMAIL_HTML = '<p style="color: #123456">Hello {{ name }}</p>'


def _route_names(resolver=None, namespace=""):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from _route_names(p, p.namespace or namespace)
        elif isinstance(p, URLPattern):
            yield f"{namespace}:{p.name}" if namespace else p.name


class Walk:
    """Opens pages in one browser tab and keeps what went wrong."""

    def __init__(self, base: str, who: str, page):
        self.base, self.who, self.page = base, who, page
        self.problems: list[str] = []
        self.routes: dict[str, str] = {}
        page.on("console", self._console)
        page.on(
            "pageerror", lambda error: self.problems.append(f"{self.who} {self.where}: {error}")
        )
        self.where = "?"

    def _console(self, message) -> None:
        source = message.location.get("url", "")
        # An HTMX fragment opened on its own has no <head> naming the icon, so Chromium asks
        # for /favicon.ico: not a page's error.
        if message.type == "error" and not source.endswith("/favicon.ico"):
            self.problems.append(f"{self.who} {self.where}: console: {message.text} ({source})")

    def route(self, path: str) -> str | None:
        try:
            match = resolve(urlsplit(path).path)
        except Resolver404:
            return None
        return match.view_name

    def open(self, path: str) -> None:
        self.where = path
        response = self.page.goto(self.base + path)
        assert response is not None and response.ok, f"{self.who}: {path} -> {response.status}"
        if "script-src 'self'" not in (response.headers.get("content-security-policy") or ""):
            self.problems.append(f"{self.who} {path}: no Content-Security-Policy")
        self.settle()

    def settle(self) -> None:
        self.page.wait_for_load_state("load")
        self.page.wait_for_function(
            "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"
        )
        for frame in self.page.frames:
            try:
                found = frame.evaluate("() => window.__csp || []")
            except Exception:  # a sandboxed frame runs no script: its console still reports
                found = []
            self.problems += [f"{self.who} {self.where}: {v}" for v in found]

    def links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all("a[href]", "(links) => links.map((a) => a.href)")
        base = urlsplit(self.base)
        out = []
        for href in hrefs:
            parts = urlsplit(href)
            if parts.netloc == base.netloc and not parts.path.startswith(("/static/", "/media/")):
                out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        return out

    def crawl(self, start: str) -> None:
        queue = deque([start])
        while queue:
            path = queue.popleft()
            route = self.route(path)
            if route is None or route in self.routes or route in NOT_PAGES:
                continue
            self.routes[route] = path
            self.open(path)
            queue.extend(self.links())


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()


def _with_uninvoiced_placeholder():
    """Placeholder places bought at no charge (so with no invoice), one of them assigned: the
    newest booking, whose page links to "Transfer placeholder" (only offered while a
    placeholder has no invoice) and "Unassign"."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from bookings.services import placeholder_assign, placeholder_buy
    from contacts.models import Organisation
    from schedules.models import Schedule

    free = (
        Schedule.objects.filter(start_at__gt=timezone.now(), price=0).order_by("start_at").first()
    )
    if free is None:
        upcoming = Schedule.objects.filter(start_at__gt=timezone.now()).order_by("start_at")
        free = upcoming.first()
        Schedule.objects.filter(pk=free.pk).update(price=0)
        free.refresh_from_db()
    admin = User.objects.get(username="admin")
    org = next(o for o in Organisation.objects.order_by("pk") if o.contacts.exists())
    booking = placeholder_buy(actor=admin, schedule=free, organisation=org, places=2)
    # one delegate named, so the page also links to "Unassign"
    placeholder_assign(actor=admin, booking=booking, contact=org.contacts.order_by("-pk").first())


def _with_email_html():
    """An HTML email in the outbox and a template with an HTML body, so that the frames are
    shown (the demo's emails are plain text)."""
    from django.contrib.auth.models import User

    from notifications.models import EmailTemplate
    from notifications.services import email_queue, email_template_update

    template = EmailTemplate.objects.get(key="test_email")
    admin = User.objects.get(username="admin")
    email_template_update(
        actor=admin,
        template=template,
        subject=template.subject,
        body=template.body,
        html_body=EMAIL_HTML,
    )
    email_queue(to="someone@example.test", template_key="test_email", context={"name": "Al"})


def _password_reset(walk: Walk) -> None:
    """The password reset pages, through to a new password."""
    import re

    from django.contrib.auth.models import User

    from notifications.models import OutboxMessage

    User.objects.create_user("rita.reset", "rita@example.test", "Old-password-1")
    page = walk.page
    page.get_by_label("Email").fill("rita@example.test")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    walk.routes["password_reset_done"] = page.url
    walk.settle()
    body = OutboxMessage.objects.get(template_key="password_reset").body
    walk.open(urlsplit(re.search(r"https?://\S+/reset/\S+/", body).group(0)).path)
    walk.routes["password_reset_confirm"] = page.url
    page.get_by_label("New password", exact=True).fill("New-password-42")
    page.get_by_label("New password confirmation").fill("New-password-42")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Password set")).to_be_visible()
    walk.routes["password_reset_complete"] = page.url
    walk.settle()


def _htmx_swaps(walk: Walk) -> None:
    """The main HTMX swaps of the admin's pages: live search, the booking form's steps and
    pickers, an email template preview with its HTML frame."""
    page = walk.page
    walk.open("/contacts/")
    page.get_by_label("Search contacts").press_sequentially("Smith", delay=10)
    expect(page.locator("#contact-results")).to_contain_text("matching")
    walk.settle()

    walk.open("/bookings/new/")
    page.get_by_role("combobox", name="Booking Type").select_option(
        label="Organization booking for multiple delegates"
    )
    expect(page.get_by_label("Organization name", exact=True)).to_be_visible()
    walk.settle()
    page.get_by_label("Organization name", exact=True).fill("Acme")
    suggestion = page.locator("#picker-organisation-results .suggestions button").first
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(page.get_by_label("Lead booker", exact=True)).to_be_visible()
    walk.settle()

    walk.open("/notifications/templates/test_email/")
    expect(page.frame_locator("iframe.email-html").locator("p")).to_have_text("Hello Alice Admin")
    page.get_by_label("HTML body").fill('<p style="color: red">Draft {{ name }}</p>')
    page.get_by_role("button", name="Preview").click()
    expect(page.frame_locator("iframe.email-html").locator("p")).to_have_text("Draft Alice Admin")
    walk.settle()


def _finance_swaps(walk: Walk) -> None:
    """A money action's preview, swapped into the invoice page."""
    from invoicing.models import Invoice

    invoice = Invoice.objects.filter(outstanding__gt=0).order_by("pk").first()
    page = walk.page
    walk.open(f"/invoices/{invoice.pk}/")
    page.get_by_role("link", name="Record payment").click()
    page.locator("#action-panel").get_by_label("Amount (£)").fill("1.00")
    page.locator("#action-panel").get_by_role("button", name="Preview").click()
    expect(page.get_by_role("button", name="Confirm: Record payment")).to_be_visible()
    walk.settle()


def test_no_page_breaks_the_content_security_policy_for_any_role(
    needs_chromium, live_server, browser
):
    call_command("demo_data", verbosity=0)
    _with_email_html()
    _with_uninvoiced_placeholder()
    problems, walks = [], {}
    try:
        for who in [None, *ROLES]:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script(LISTEN)
            walk = walks[who] = Walk(live_server.url, who or "anonymous", context.new_page())
            if who is None:
                walk.crawl("/login/")
                _password_reset(walk)
            else:
                _login(walk.page, live_server.url, who)
                walk.crawl("/")
                if who == "admin":
                    _htmx_swaps(walk)
                if who == "finance":
                    _finance_swaps(walk)
            assert len(walk.routes) >= 3, (who, walk.routes)
        visited = set().union(*(walk.routes for walk in walks.values()))

        # Pages no link led to in the demo data (an action its state does not offer, a
        # picker's own page): the admin opens them directly, with ids that exist.
        admin, post_only = walks["admin"], set()
        real = {
            label.split(" ")[0].lstrip(":"): url
            for label, url in every_url()
            if label.endswith("(real)")
        }
        for route in sorted(set(_route_names()) - NOT_PAGES - visited - {"logout"}):
            answer = admin.page.request.get(live_server.url + real[route], max_redirects=0)
            if answer.status == 405:  # a POST-only action: its result is a page above
                post_only.add(route)
                continue
            admin.open(real[route])
            visited.add(route)
        problems = [p for walk in walks.values() for p in walk.problems]
    finally:
        for walk in walks.values():
            walk.page.context.close()

    assert not problems, "\n".join(problems)
    assert set(_route_names()) - NOT_PAGES - visited - post_only == {"logout"}
    assert len(visited) >= 55 and len(post_only) <= 12, (sorted(visited), sorted(post_only))


def test_the_walk_reports_what_the_policy_refuses(needs_chromium, live_server, browser):
    """Inline styles, handlers and scripts added to a real page are caught, through the
    violation events and the console."""
    context = browser.new_context()
    context.add_init_script(LISTEN)
    try:
        walk = Walk(live_server.url, "anonymous", context.new_page())
        walk.open("/login/")
        assert walk.problems == []
        walk.page.evaluate(
            """() => document.body.insertAdjacentHTML("beforeend",
                '<p style="color: red">x</p><img src="/static/favicon.svg" onload="1">')"""
        )
        walk.page.evaluate(
            """() => {
                const script = document.createElement("script");  // an inline <script>
                script.textContent = "window.injected = true";
                document.body.append(script);
            }"""
        )
        assert walk.page.evaluate("() => window.injected") is None
        walk.page.wait_for_timeout(200)
        walk.settle()
    finally:
        context.close()
    found = "\n".join(walk.problems)
    assert "style-src-attr refused inline" in found
    assert "script-src-attr refused inline" in found
    assert "script-src-elem refused inline" in found
    assert "Content Security Policy" in found  # the console says so too
