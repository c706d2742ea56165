"""Bad input never gets a 500: every page, for every role, with real ids, missing ids,
out-of-range ids and garbage query strings and form posts (SPEC 10)."""

import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.tokens import invite_token, uid_encode
from bookings.models import Booking, BookingPlace
from contacts.models import Contact, Family, Organisation
from invoicing.models import CreditNote, Invoice
from notifications.models import EmailTemplate, OutboxMessage
from schedules.models import Course, Schedule, TimetableSession

# The model whose id each URL argument names, to build URLs with ids that exist.
ARG_MODELS = {
    ("contacts", "pk"): Contact,
    ("contacts:organisation", "pk"): Organisation,
    ("contacts:family", "pk"): Family,
    ("contacts:membership", "pk"): Organisation,
    ("contacts", "contact_pk"): Contact,
    ("schedules", "pk"): Schedule,
    ("schedules:course", "pk"): Course,
    ("schedules", "session_pk"): TimetableSession,
    ("bookings", "pk"): Booking,
    ("bookings", "contact_pk"): Contact,
    ("bookings", "schedule_pk"): Schedule,
    ("bookings", "org_pk"): Organisation,
    ("bookings", "place_pk"): BookingPlace,
    ("invoicing", "pk"): Invoice,
    ("invoicing:credit_note", "pk"): CreditNote,
    ("notifications", "message_id"): OutboxMessage,
    ("notifications", "key"): EmailTemplate,
    ("portal", "pk"): Booking,
    ("accounts", "pk"): User,
    ("accounts:portal_contact", "pk"): Contact,
    ("accounts:portal_family", "pk"): Family,
    ("accounts_public", "uidb64"): User,
    ("accounts_public", "token"): User,
    ("", "uidb64"): User,  # password reset links (core/accounts)
    ("", "token"): User,
}
# URL arguments that are not ids: the real value for an object (others use its pk).
REAL_VALUES = {
    "key": lambda obj: obj.key,
    "uidb64": uid_encode,
    "token": invite_token.make_token,
}
GARBAGE_QUERY = (
    "?page=-1&q=%00%27%22<script>&when=bogus&status=nope&date_from=31-31-2020"
    "&organisation=abc&schedule=99999999999999999999999&course=%00&overdue=maybe&o=-zz"
)
GARBAGE_POST = {
    "amount": "1e400",
    "q": "\x00",
    "reason": "x" * 5000,
    "student": "-5",
    "organisation": "99999999999999999999999",
    "delegates": ["abc", "0"],
    "schedule": "%00",
    "price": "NaN",
    "discount_value": "Infinity",
    "places": "-3",
    "page": "0",
    "to": "not-an-email",
    "key": "../../etc",
}


def _patterns(resolver=None, prefix="", namespace=""):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            if "admin" in str(p.pattern):
                continue
            yield from _patterns(p, prefix + str(p.pattern), p.namespace or namespace)
        elif isinstance(p, URLPattern) and p.name not in {"logout"}:
            yield namespace, p.name, prefix + str(p.pattern)


def _model_for(namespace: str, name: str, arg: str):
    """The most specific ARG_MODELS entry for this URL name and argument."""
    matches = [
        (len(prefix), model)
        for (scope, key), model in ARG_MODELS.items()
        for scope_ns, _, prefix in [scope.partition(":")]
        if scope_ns == namespace and key == arg and name.startswith(prefix)
    ]
    return max(matches, key=lambda m: m[0])[1]


def _urls():
    """Every URL with existing ids, missing ids and out-of-range ids."""
    for namespace, name, pattern in _patterns():
        args = re.findall(r"<(?:(\w+):)?(\w+)>", pattern)
        variants = {"real": pattern, "missing": pattern, "huge": pattern}
        for converter, arg in args:
            model = _model_for(namespace, name, arg)
            obj = model.objects.order_by("pk").first()
            real = REAL_VALUES[arg](obj) if arg in REAL_VALUES else obj.pk
            token = f"<{converter}:{arg}>" if converter else f"<{arg}>"
            variants["real"] = variants["real"].replace(token, str(real))
            if converter == "slug":
                variants["missing"] = variants["missing"].replace(token, "no-such-key")
                variants["huge"] = variants["huge"].replace(token, "x" * 300)
            else:
                variants["missing"] = variants["missing"].replace(token, "987654321")
                variants["huge"] = variants["huge"].replace(token, "9" * 30)
        for kind, url in variants.items():
            if kind != "real" and not args:
                continue
            yield f"{namespace}:{name} ({kind})", "/" + url


@pytest.mark.django_db
def test_no_page_answers_500_to_any_role_or_input(client):
    call_command("demo_data", stdout=io.StringIO())
    users = list(
        User.objects.filter(username__in=["admin", "teamleader", "trainer", "finance", "family"])
    )
    assert len(users) == 5
    urls = list(_urls())
    assert len(urls) > 60
    client.raise_request_exception = False
    failures = []
    for user in [None, *users]:
        client.logout()
        if user:
            client.force_login(user)
        who = user.username if user else "anonymous"
        for label, url in urls:
            for method, kwargs in [
                ("get", {}),
                ("get_garbage", {}),
                ("get_htmx", {"HTTP_HX_REQUEST": "true"}),
                ("post", {"data": GARBAGE_POST}),
            ]:
                if method == "post":
                    response = client.post(url, **kwargs)
                elif method == "get_garbage":
                    response = client.get(url + GARBAGE_QUERY)
                else:
                    response = client.get(url, **kwargs)
                if response.status_code >= 500:
                    failures.append(f"{who} {method} {label} {url} -> {response.status_code}")
    assert not failures, "\n".join(failures[:40])
