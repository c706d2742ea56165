"""Every back-office and portal page checks its capability on the server, for every role.

The capabilities a view needs come from its `core.access.require(...)` decorator; the roles'
capabilities from core/roles.py (SPEC section 1). For each URL and role: a role missing a
capability gets 403 (a POST-only action may answer a GET with 405), a role holding them all
never gets 403, and an anonymous visitor is sent to the login page. A view without `require`
must be one of the few public or login-only pages listed here.
"""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.roles import ROLE_CAPABILITIES

# Pages that are public or need only a login (no capability); an invitation's set-password
# link is opened by someone with no password yet.
OPEN_PAGES = {
    "home",
    "my_account",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "accounts_public:invitation",
    # A calendar's iCalendar feed: read by calendar apps, no login; the secret token in the
    # URL is the key (a wrong or revoked one is a 404, tests/calendars/test_views.py).
    "calendars:feed",
    # A group appointment invitation's link: anyone holding it may see what it invites to and
    # is asked to log in (or create the family's login); accepting needs the family's login
    # (appointments.services.invitations, tests/appointments/test_invitations_pages.py).
    "portal:invitation",
    "portal:invitation_account",
}


def _patterns(resolver=None, namespace=""):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            if "admin" in str(p.pattern):
                continue
            yield from _patterns(p, p.namespace or namespace)
        elif isinstance(p, URLPattern):
            yield (f"{namespace}:{p.name}" if namespace else p.name), p


def _url(name: str, pattern: URLPattern) -> str:
    kwargs = {}
    for key, converter in pattern.pattern.converters.items():
        kwargs[key] = "no-such-key" if type(converter).__name__ == "SlugConverter" else 987654321
    return reverse(name, kwargs=kwargs)


PAGES = [(name, p) for name, p in _patterns() if name not in OPEN_PAGES]


def test_every_page_declares_its_capabilities():
    undeclared = [
        name for name, p in PAGES if not getattr(p.callback, "required_capabilities", None)
    ]
    assert not undeclared, f"views without core.access.require: {undeclared}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(ROLE_CAPABILITIES))
def test_each_role_gets_exactly_the_pages_of_its_capabilities(client, role):
    user = User.objects.create_user(username="matrix", password="pw")
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    client.raise_request_exception = False
    wrong = []
    for name, pattern in PAGES:
        needed = set(pattern.callback.required_capabilities)
        allowed = needed <= ROLE_CAPABILITIES[role]
        url = _url(name, pattern)
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if allowed and status == 403:
                wrong.append(f"{method.upper()} {name} refused -> 403")
            # A POST-only action may refuse a GET with 405 before the capability check.
            refusals = {403, 405} if method == "get" else {403}
            if not allowed and status not in refusals:
                wrong.append(f"{method.upper()} {name} needs {sorted(needed)} -> {status}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client):
    login = reverse("login")
    for name, pattern in PAGES:
        response = client.get(_url(name, pattern))
        if response.status_code == 405:  # a POST-only action
            response = client.post(_url(name, pattern))
        assert response.status_code == 302 and response["Location"].startswith(login), name


@pytest.mark.django_db
def test_the_password_reset_pages_are_open_to_anyone(client):
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        assert client.get(reverse(name)).status_code == 200, name
    link = reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"})
    assert client.get(link).status_code == 200  # "This link has already been used ..."
