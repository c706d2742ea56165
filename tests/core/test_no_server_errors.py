"""Bad input never gets a 500: every page, for every role, with real ids, missing ids,
out-of-range ids and garbage query strings and form posts (SPEC 10); and every filter and
form of every page with extreme values: dates in year 1, 9999 and 10000, ids past 2^63,
huge numbers and long strings.

This module also runs on SQLite (the embedded default): tests/core/test_no_server_errors_sqlite.py
runs it again in a process of its own without DATABASE_URL.
"""

import importlib
import importlib.util
import io
import os
import re

import django_filters
import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.tokens import invite_token, uid_encode
from appointments.models import (
    AppointmentBooking,
    AppointmentType,
    ChargeRun,
    GroupInvitation,
    Occurrence,
    Pack,
    PricingSchedule,
    Timeslot,
)
from bookings.models import Booking, BookingPlace
from calendars.models import Calendar
from contacts.models import Contact, Family, Organisation
from core.forms import IdField
from invoicing.models import CreditNote, Invoice
from notifications.models import EmailTemplate, OutboxMessage
from schedules.models import Course, Schedule, TimetableSession
from sessions_backdate.models import Order, OrderSession
from tests.html_forms import Field, page_forms

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
    ("portal:appointment", "pk"): AppointmentBooking,
    ("portal:invitation", "pk"): GroupInvitation,  # invitation_account too
    ("portal:invitation", "link_token"): GroupInvitation,
    ("appointments:invite_send", "pk"): AppointmentBooking,
    ("appointments:invite_revoke", "pk"): GroupInvitation,
    ("appointments:setup_type", "pk"): AppointmentType,
    ("appointments:setup_pricing", "pk"): PricingSchedule,
    ("appointments:setup_timeslot", "pk"): Timeslot,
    ("appointments", "pk"): AppointmentBooking,
    ("appointments", "timeslot_pk"): Timeslot,
    ("appointments:charge", "pk"): AppointmentBooking,
    ("appointments:tuition_run", "pk"): ChargeRun,
    ("agenda", "pk"): Booking,
    ("agenda:appointment", "pk"): AppointmentBooking,
    ("accounts", "pk"): User,
    ("accounts:portal_contact", "pk"): Contact,
    ("accounts:portal_family", "pk"): Family,
    ("accounts_public", "uidb64"): User,
    ("accounts_public", "token"): User,
    ("calendars", "pk"): Calendar,
    ("calendars", "feed_token"): Calendar,
    ("", "uidb64"): User,  # password reset links (core/accounts)
    ("", "token"): User,
    ("appointments:pass", "pk"): Pack,
    ("appointments", "family_pk"): Family,
    ("appointments", "contact_pk"): Contact,
    ("appointments", "occurrence_pk"): Occurrence,
    ("sessions_backdate", "pk"): Order,  # orders of sessions (HW000123)
    ("sessions_backdate", "number"): Order,
    ("sessions_backdate:attendance", "pk"): OrderSession,
}
# URL arguments that are not ids: the real value for an object (others use its pk).
REAL_VALUES = {
    "key": lambda obj: obj.key,
    "uidb64": uid_encode,
    "token": invite_token.make_token,
    "link_token": lambda invitation: invitation.token(),
    "number": lambda order: 1,  # the first session of the order
    "feed_token": lambda calendar: calendar.feed_token,
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


# --- extreme values in every filter and form ---------------------------------------------------

BIG_ID = str(2**63)  # one past the largest 64-bit id: SQLite cannot even bind it
NO_TOUCH = {"csrfmiddlewaretoken", "step", "fingerprint", "token", "action", "to", "mode"}


def _date(value: str, time: str):
    def replace(f: Field) -> str | None:
        if f.type == "date":
            return value
        if f.type == "datetime-local":
            return f"{value}T{time}"
        return None

    return replace


def _ids(f: Field) -> str | None:
    if f.name in NO_TOUCH:
        return None
    if f.type == "number" or (
        f.type in {"hidden", "select", "checkbox", "radio"} and (f.value.isdigit() or not f.value)
    ):
        return BIG_ID
    return None


def _numbers(value: str):
    return lambda f: value if f.type == "number" else None


def _long_text(f: Field) -> str | None:
    return "x" * 20_000 if f.type in {"text", "search", "textarea", "email", "tel"} else None


EXTREMES = {
    "dates in 9999": _date("9999-12-31", "23:59"),
    "dates in year 1": _date("0001-01-01", "00:00"),
    "dates in 10000": _date("10000-01-01", "00:00"),
    "dates far out": _date("99999999-12-31", "23:59"),
    "ids past 2^63": _ids,
    "the largest 64-bit number": _numbers(str(2**63 - 1)),
    "huge numbers": _numbers("9" * 40),
    "long strings": _long_text,
}


def _field_kind(field: forms.Field) -> str | None:
    if isinstance(field, forms.DateTimeField):
        return "datetime-local"
    if isinstance(field, forms.DateField):
        return "date"
    if isinstance(field, forms.ModelChoiceField):  # ModelMultipleChoiceField too
        return "select"
    if isinstance(field, IdField | forms.IntegerField | forms.DecimalField | forms.FloatField):
        return "number"
    if isinstance(field, forms.CharField):
        return "text"
    return None


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def declared_fields() -> list[Field]:
    """Every field of every form and filter the project declares, tagged as its page would
    render it: the query string of the GET variants names them all, so a filter that a page
    renders only under some condition (a hidden organisation id) is reached too."""
    ours = set()
    for config in apps.get_app_configs():
        if config.path.startswith(str(settings.BASE_DIR)):
            ours.add(config.name)
            for module in (f"{config.name}.forms", f"{config.name}.filters"):
                if importlib.util.find_spec(module):
                    importlib.import_module(module)
    found: dict[str, Field] = {}
    for cls in [*_subclasses(forms.BaseForm), *_subclasses(django_filters.FilterSet)]:
        if cls.__module__.split(".")[0] not in ours:
            continue
        if issubclass(cls, django_filters.FilterSet):
            fields = {name: f.field_class(**f.extra) for name, f in cls.base_filters.items()}
        else:
            fields = cls.base_fields
        for name, field in fields.items():
            kind = _field_kind(field)
            if kind and name not in NO_TOUCH:
                found.setdefault(name, Field(name, "", kind))
    return sorted(found.values(), key=lambda f: f.name)


def test_the_sweep_knows_the_filters_and_forms():
    names = {f.name: f.type for f in declared_fields()}
    assert names["starts_to"] == "date" and names["issued_from"] == "date"
    assert names["organisation_id"] == "number" and names["account"] == "number"
    assert names["start_at"] == "datetime-local" and names["places"] == "select"


def test_runs_on_the_database_it_was_asked_for():
    """The SQLite run (test_no_server_errors_sqlite.py) names the vendor it expects."""
    assert connection.vendor == os.environ.get("EXPECT_DB_VENDOR", connection.vendor)


@pytest.mark.django_db
def test_extreme_values_in_every_filter_and_form_never_give_a_500(client):
    call_command("demo_data", stdout=io.StringIO())
    users = list(User.objects.filter(username__in=["admin", "family"]).order_by("username"))
    assert len(users) == 2
    declared = declared_fields()
    urls = [url for label, url in _urls() if label.endswith("(real)")]
    logout = reverse("logout")
    client.raise_request_exception = False
    failures, seen, submitted = [], set(), 0
    for user in users:
        client.force_login(user)
        for url in urls:
            page = client.get(url)
            if page.status_code >= 500:
                failures.append(f"{user} GET {url} -> {page.status_code}")
            for variant, replace in EXTREMES.items():
                query = {f.name: replace(f) for f in declared if replace(f) is not None}
                response = client.get(url, query)
                if response.status_code >= 500:
                    failures.append(f"{user} GET {url} with {variant} -> {response.status_code}")
            if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
                continue
            for form in page_forms(page.content.decode(), url):
                key = (user.pk, form.method, form.action, tuple(f.name for f in form.fields))
                if form.action.startswith(logout) or key in seen:
                    continue
                seen.add(key)
                for variant, replace in EXTREMES.items():
                    data = form.data(replace)
                    send = client.post if form.method == "post" else client.get
                    response = send(form.action, data)
                    submitted += 1
                    if response.status_code >= 500:
                        failures.append(
                            f"{user} {form.method.upper()} {form.action} (form of {url}) "
                            f"with {variant} -> {response.status_code}"
                        )
    assert submitted > 100  # the pages' forms were found and sent
    assert not failures, "\n".join(failures[:60])
