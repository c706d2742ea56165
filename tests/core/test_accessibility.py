"""SPEC 10: "Works with a keyboard and a screen reader (labels, focus, contrast); pages are
usable on a tablet".

The demo data is loaded, each role logs in through the form once (one browser context per
role) and the main pages are checked in real Chromium with axe-core (vendored in
tests/vendor/, a test tool, not a page asset) against WCAG 2.1 A and AA. Every page is also
checked at a tablet viewport (768 x 1024): the page itself never scrolls sideways; wide tables
scroll inside their own `.table-wrap`.
"""

from pathlib import Path

import pytest
from django.core.management import call_command

from core import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core-4.14.1" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 768, "height": 1024}

AXE_RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
    return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(" ")),
    }));
}"""

# Anything wider than the viewport that is not inside a .table-wrap (which scrolls itself).
OVERFLOW = """() => {
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth <= width + 1) return [];
    const culprits = [];
    for (const el of document.body.querySelectorAll("*")) {
        if (el.closest(".table-wrap")) continue;
        const box = el.getBoundingClientRect();
        if (box.width && box.right > width + 1) {
            const id = el.id ? "#" + el.id : "";
            const cls = el.classList.length ? "." + [...el.classList].join(".") : "";
            culprits.push(el.tagName.toLowerCase() + id + cls + " right=" + Math.round(box.right));
        }
    }
    return culprits.length ? culprits.slice(0, 8) : ["documentElement.scrollWidth=" +
        document.documentElement.scrollWidth];
}"""


# WCAG contrast of two CSS colours; a translucent foreground is blended onto the background.
CONTRAST = """
    const rgba = (css) => {
        const v = css.match(/[\\d.]+/g).map(Number);
        return [...v.slice(0, 3), v[3] ?? 1];
    };
    const lum = (c) => c.slice(0, 3).map((x) => x / 255)
        .map((x) => (x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4))
        .reduce((sum, x, i) => sum + x * [0.2126, 0.7152, 0.0722][i], 0);
    const contrast = (fg, bg, opacity = 1) => {
        const f = rgba(fg), b = rgba(bg), a = f[3] * opacity;
        const mixed = f.slice(0, 3).map((x, i) => x * a + b[i] * (1 - a));
        const [hi, lo] = [lum(mixed), lum(b)].sort((x, y) => y - x);
        return (hi + 0.05) / (lo + 0.05);
    };
"""

# axe does not check placeholder text; WCAG 1.4.3 still asks 4.5:1 of it.
PLACEHOLDERS = (
    "() => {"
    + CONTRAST
    + """
    const low = [];
    for (const el of document.querySelectorAll("input[placeholder], textarea[placeholder]")) {
        if (!el.checkVisibility()) continue;
        const ph = getComputedStyle(el, "::placeholder");
        const ratio = contrast(ph.color, getComputedStyle(el).backgroundColor, Number(ph.opacity));
        if (ratio < 4.5) low.push(`#${el.id || el.name} placeholder ${ratio.toFixed(2)}:1`);
    }
    return low;
}"""
)

# The focus ring of the focused element: its best ring colour against the page background.
FOCUS_RING = (
    "() => {"
    + CONTRAST
    + """
    const style = getComputedStyle(document.activeElement);
    const page = getComputedStyle(document.body).backgroundColor;
    const rings = [style.outlineColor];
    const shadow = style.boxShadow.match(/rgba?\\([^)]*\\)/);
    if (shadow) rings.push(shadow[0]);
    return Math.max(...rings.map((ring) => contrast(ring, page)));
}"""
)


class Audit:
    """Collects axe violations and tablet overflow for every page visited."""

    def __init__(self, live_server):
        self.base = live_server.url
        self.violations: list[str] = []
        self.overflow: list[str] = []
        self.pages: list[str] = []
        self.seen: set[tuple[str, str]] = set()

    def login(self, page, username: str) -> None:
        page.goto(f"{self.base}/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(demo.PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()

    def visit(self, page, path: str, name: str, who: str) -> None:
        response = page.goto(self.base + path)
        assert response is not None and response.ok, f"{who}: {path} answered {response.status}"
        self.check(page, f"{name} ({who}, {path})")

    def check(self, page, where: str) -> None:
        self.pages.append(where)
        if not page.evaluate("typeof axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        self._axe(page, where)
        page.set_viewport_size(TABLET)
        try:
            wide = page.evaluate(OVERFLOW)
            self._axe(page, f"{where} at 768 px")  # the narrow layout has its own styles
        finally:
            page.set_viewport_size(DESKTOP)
        if wide:
            self.overflow.append(f"{where}: {'; '.join(wide)}")

    def _axe(self, page, where: str) -> None:
        found = [
            f"{v['id']} [{v['impact']}] {v['help']} -> {', '.join(v['targets'])}"
            for v in page.evaluate(AXE_RUN, WCAG_TAGS)
        ] + [
            f"placeholder-contrast [serious] Placeholder text needs 4.5:1 -> {low}"
            for low in page.evaluate(PLACEHOLDERS)
        ]
        for line in found:
            key = (where.removesuffix(" at 768 px"), line)  # once per page, any width
            if key not in self.seen:
                self.seen.add(key)
                self.violations.append(f"{where}: {line}")


def _settled(page):
    """HTMX has swapped and wired up the booking form."""
    page.wait_for_function(
        """() => {
            const form = document.getElementById("booking-form");
            if (!form || document.querySelector(".htmx-request, .htmx-settling, .htmx-swapping"))
                return false;
            return [form, ...form.querySelectorAll("[hx-get], [hx-post]")].every(
                (el) => el["htmx-internal-data"] && el["htmx-internal-data"].initHash);
        }"""
    )


def _ids():
    from django.contrib.auth.models import User

    from appointments.models import Timeslot
    from bookings.models import Booking, BookingType
    from contacts.models import Contact, Family, Organisation
    from invoicing.models import Invoice
    from notifications.models import EmailTemplate, OutboxMessage
    from schedules.models import Schedule
    from sessions_backdate.models import OrderSession

    session = OrderSession.objects.order_by("pk").first()  # sessions_backdate demo
    booking = Booking.objects.filter(kind=BookingType.GROUP).order_by("pk").first()
    invoice = (  # part paid: the page shows payments and the forms have money to move
        Invoice.objects.filter(paid_total__gt=0, outstanding__gt=0).order_by("pk").first()
        or Invoice.objects.order_by("pk").first()
    )
    contact = Contact.objects.filter(places__isnull=False).order_by("pk").first()
    trainer_schedule = Schedule.objects.filter(trainer__username="trainer").order_by("pk").first()
    family_booking = Booking.objects.filter(places__contact__family__user__username="family")
    return {
        "booking": booking.pk,
        "invoice": invoice.pk,
        "contact": contact.pk,
        "schedule": Schedule.objects.order_by("pk").first().pk,
        "trainer_schedule": trainer_schedule.pk,
        "template": EmailTemplate.objects.order_by("key").first().key,
        "organisation": Organisation.objects.filter(memberships__isnull=False)
        .order_by("pk")
        .first()
        .pk,
        "family": Family.objects.order_by("pk").first().pk,
        "message": OutboxMessage.objects.order_by("pk").first().pk,
        "family_booking": family_booking.order_by("pk").first().pk,
        "staff_user": User.objects.get(username="teamleader").pk,
        "invitation": _invitation_path(),
        "timeslot": Timeslot.objects.filter(archived=False).order_by("pk").first().pk,
        "piano_timeslot": Timeslot.objects.filter(staff__username="piano").order_by("pk")[0].pk,
        "order": session.pack_id,
        "order_session": session.pk,
    }


def _invitation_path() -> str:
    """A staff invitation's set-password link, as emailed."""
    from django.contrib.auth.models import User

    from accounts import services
    from accounts.tokens import invite_token, uid_encode
    from core.roles import Role

    user = services.user_invite(
        actor=User.objects.get(username="admin"),
        first_name="Nina",
        last_name="Newcomer",
        email="nina.newcomer@example.test",
        roles=[Role.PROVIDER],
        base_url="http://testserver/",
    )
    return f"/invitation/{uid_encode(user)}/{invite_token.make_token(user)}/"


@pytest.fixture
def browser_context_args(browser_context_args):
    # axe is injected as an inline script, which the pages' Content-Security-Policy refuses
    # (as it should: tests/core/test_csp_browser.py checks the policy, this file does not).
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def new_page(page):
    """A page in a fresh browser context (one per role); closed after the test."""
    contexts = []

    def make():
        context = page.context.browser.new_context(viewport=DESKTOP, bypass_csp=True)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def test_main_pages_pass_axe_wcag21_aa_and_fit_a_tablet(
    needs_chromium, live_server, page, new_page
):
    call_command("demo_data", verbosity=0)
    ids = _ids()
    audit = Audit(live_server)

    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/login/")
    audit.check(page, "Log in (anonymous, /login/)")
    # An invitation's link, opened by the invitee: "Choose your password".
    audit.visit(page, ids["invitation"], "Choose your password", "anonymous")
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()

    # Admin: every back-office page.
    audit.login(page, "admin")
    for path, name in [
        ("/bookings/", "Bookings"),
        (f"/bookings/{ids['booking']}/", "Booking detail"),
        ("/contacts/", "Contacts"),
        (f"/contacts/{ids['contact']}/", "Contact"),
        ("/schedules/", "Schedules"),
        (f"/schedules/{ids['schedule']}/", "Schedule"),
        (f"/bookings/{ids['booking']}/edit/", "Edit booking"),
        (f"/bookings/{ids['booking']}/cancel-delegates/", "Cancel delegates"),
        (f"/bookings/contact/{ids['contact']}/", "Contact's bookings"),
        (f"/bookings/schedule/{ids['schedule']}/register/", "Attendance register"),
        (f"/contacts/organisations/{ids['organisation']}/", "Organisation"),
        (f"/contacts/families/{ids['family']}/", "Family"),
        ("/schedules/courses/", "Courses"),
        ("/notifications/outbox/", "Outbox"),
        (f"/notifications/outbox/{ids['message']}/", "Outbox message"),
        ("/notifications/templates/", "Email templates"),
        (f"/notifications/templates/{ids['template']}/", "Email template edit"),
        ("/reports/", "Reports"),
        ("/reports/upcoming/", "Upcoming bookings report"),
        ("/reports/revenue/", "Revenue report"),
        ("/account/", "My account"),
        ("/users/", "Users"),
        ("/users/invite/", "Invite user"),
        (f"/users/{ids['staff_user']}/", "User"),
        (f"/users/{ids['staff_user']}/roles/", "Change roles"),
        (f"/users/portal/contact/{ids['contact']}/", "Invite to portal"),
        ("/appointments/setup/timeslots/", "Timeslots"),
        ("/appointments/setup/timeslots/new/", "Add timeslot"),
        (f"/appointments/setup/timeslots/{ids['timeslot']}/edit/", "Edit timeslot"),
        ("/appointments/setup/types/", "Appointment types"),
        ("/appointments/setup/types/new/", "New appointment type"),
        ("/appointments/setup/pricing/", "Pricing schedules"),
        ("/appointments/setup/pricing/new/", "New pricing schedule"),
        ("/sessions/unused/", "Unused Sessions"),
        (f"/sessions/orders/{ids['order']}/", "All Sessions for an order"),
        (f"/sessions/orders/{ids['order']}/book/3/", "Book Session"),
        (f"/sessions/{ids['order_session']}/attendance/", "Confirm Attendance"),
    ]:
        audit.visit(page, path, name, "admin")

    # The profile menu, opened; the keyboard reaches the skip link first.
    page.locator("details.profile-menu summary").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    audit.check(page, "Profile menu open (admin)")
    page.goto(live_server.url + "/contacts/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    ring = page.evaluate(FOCUS_RING)
    if ring < 3:
        audit.violations.append(
            f"Contacts (admin): focus-ring-contrast [serious] the focus ring has {ring:.2f}:1"
            " against the page, WCAG 1.4.11 asks 3:1 -> a.skip-link"
        )
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    # The contacts live search, after typing.
    page.get_by_label("Search contacts").press_sequentially("Smith", delay=10)
    expect(page.locator("#contact-results")).to_contain_text("matching")
    audit.check(page, "Contacts, live search results (admin)")

    # Create a new booking: empty, then a group booking with its pickers and suggestions.
    audit.visit(page, "/bookings/new/", "Create a new booking", "admin")
    _settled(page)
    page.get_by_role("combobox", name="Booking Type").select_option(
        label="Organization booking for multiple delegates"
    )
    expect(page.get_by_label("Organization name", exact=True)).to_be_visible()
    _settled(page)
    audit.check(page, "Create a new booking, group (admin)")
    page.get_by_label("Organization name", exact=True).fill("Acme")
    expect(page.locator("#picker-organisation-results .suggestions button").first).to_be_visible()
    audit.check(page, "Create a new booking, organisation suggestions (admin)")
    page.locator("#picker-organisation-results .suggestions button").first.click()
    expect(page.get_by_label("Lead booker", exact=True)).to_be_visible()
    _settled(page)
    audit.check(page, "Create a new booking, lead booker and delegate pickers (admin)")

    # Finance: the invoice pages.
    fpage = new_page()
    audit.login(fpage, "finance")
    for path, name in [
        ("/invoices/", "Invoices"),
        (f"/invoices/{ids['invoice']}/", "Invoice"),
        (f"/invoices/{ids['invoice']}/payment/", "Record payment"),
    ]:
        audit.visit(fpage, path, name, "finance")
    fpage.get_by_label("Amount (£)").fill("-1")  # refused by the server, not the browser
    fpage.locator("#action-form form").evaluate("(form) => { form.noValidate = true; }")
    fpage.get_by_role("button", name="Preview").click()
    expect(fpage.locator("#action-form [role=alert]").first).to_be_visible()
    audit.check(fpage, "Record payment, with errors (finance)")
    # The preview of a money action (SPEC 10), swapped in by HTMX: plan tables, then confirm.
    fpage.get_by_label("Amount (£)").fill("1.00")
    fpage.get_by_role("button", name="Preview").click()
    expect(fpage.get_by_role("table", name="Payments to be recorded")).to_be_visible()
    expect(fpage.get_by_role("button", name="Confirm: Record payment")).to_be_visible()
    audit.check(fpage, "Record payment, preview (finance)")
    for path, name in [
        (f"/invoices/{ids['invoice']}/credit-note/", "Credit note"),
        (f"/invoices/{ids['invoice']}/refund/", "Refund"),
    ]:
        audit.visit(fpage, path, name, "finance")

    # Provider: the own timetable.
    tpage = new_page()
    audit.login(tpage, "trainer")
    audit.visit(tpage, "/schedules/", "Schedules", "trainer")
    audit.visit(tpage, f"/schedules/{ids['trainer_schedule']}/", "Schedule", "trainer")
    # Provider: the own timeslots, edited (not added).
    lpage = new_page()
    audit.login(lpage, "piano")
    audit.visit(lpage, "/appointments/setup/timeslots/", "My timeslots", "piano")
    timeslot = ids["piano_timeslot"]
    audit.visit(lpage, f"/appointments/setup/timeslots/{timeslot}/edit/", "Edit timeslot", "piano")

    # Family: the portal.
    ppage = new_page()
    audit.login(ppage, "family")
    audit.visit(ppage, "/portal/", "Portal home", "family")
    audit.visit(ppage, f"/portal/bookings/{ids['family_booking']}/", "Portal booking", "family")
    audit.visit(ppage, "/account/", "My account", "family")

    assert len(audit.pages) == 59, audit.pages
    problems = []
    if audit.violations:
        problems.append(
            f"{len(audit.violations)} accessibility violations (WCAG 2.1 A/AA):\n"
            + "\n".join(audit.violations)
        )
    if audit.overflow:
        problems.append(
            "Pages wider than a 768 px tablet (outside .table-wrap):\n" + "\n".join(audit.overflow)
        )
    assert not problems, "\n\n".join(problems)


def test_the_checks_can_fail(needs_chromium, page):
    """Each check reports a page that breaks it: an unlabelled input, faint text and a faint
    placeholder, a faint focus ring, and a page wider than the tablet outside a .table-wrap."""
    page.set_viewport_size(TABLET)
    page.set_content(
        '<!doctype html><html lang="en"><head><title>t</title>'
        "<style>:focus { outline: 3px solid #ffbf47; } body { background: #fff; }</style>"
        '</head><body><main><input type="text"><p style="color:#bbb;background:#fff">faint</p>'
        '<label>Name <input id="name" placeholder="Jane" style="color:#000"></label>'
        "<style>#name::placeholder { color: #bbb; }</style>"
        '<div class="table-wrap" style="overflow-x:auto"><table style="width:2000px">'
        "<tr><th>wide but wrapped</th></tr></table></div></main></body></html>"
    )
    page.add_script_tag(path=str(AXE))
    found = {v["id"] for v in page.evaluate(AXE_RUN, WCAG_TAGS)}
    assert {"label", "color-contrast"} <= found
    assert page.evaluate(PLACEHOLDERS) == ["#name placeholder 1.92:1"]
    page.get_by_label("Name").focus()
    assert page.evaluate(FOCUS_RING) < 3
    assert page.evaluate(OVERFLOW) == []  # the wide table scrolls inside its wrapper
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', "
        "'<pre id=wide style=\"width:1200px\">x</pre>')"
    )
    assert page.evaluate(OVERFLOW) == ["pre#wide right=1208"]
