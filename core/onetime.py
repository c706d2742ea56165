"""One-time forms: a double click, a retry or the back button makes a change once (issue 8).

Every form that changes money or state carries a token issued with the form (`issue`, or the
`{% form_token %}` tag). The token is signed with the SECRET_KEY for the URL the form posts to
(its scope, which names the object: /invoices/12/payment/) and for the user, and it carries
the time it was issued; so a token copied from one form is refused on another object, by
another user, or once it is older than FORM_TOKEN_MAX_AGE. Issuing one writes nothing.

The first committed submit consumes the token: `run_once` opens the service's transaction
(`core.transactions.service_atomic`, the service joins it) and INSERTs the token's key into
`core.models.FormToken` before the service runs. The unique index is the guard: a second
submit racing the first waits on the index until the first commits, then finds the key taken
and is answered with `AlreadyDone`, which names the page of the first change (stored with the
key) and never runs the service. Whatever rolls the transaction back (a refusal, a preview,
a confirm that found the outcome changed) gives the token back with everything else.
"""

import datetime
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .errors import DomainError
from .models import FormToken
from .transactions import service_atomic

T = TypeVar("T")

FIELD = "form_token"  # the hidden input's name
_SALT = "core.onetime"
_MAX_LENGTH = 100  # a real token is 32 + 1 + ~6 + 1 + 32 characters

EXPIRED_MESSAGE = (
    "This form is out of date or belongs to another page, so nothing was changed. "
    "Check the details and submit again."
)


def max_age() -> int:
    """Seconds a form stays usable after it was shown (settings.FORM_TOKEN_MAX_AGE)."""
    return int(getattr(settings, "FORM_TOKEN_MAX_AGE", 7 * 24 * 3600))


@dataclass(frozen=True)
class Claim:
    """A posted token that is genuine for this form and user (not yet known to be unused)."""

    token: str
    key: str
    scope: str
    user_id: int | None


class AlreadyDone(DomainError):
    """The form was submitted before and that submit was committed: nothing was done now."""

    def __init__(self, row: FormToken | None):
        title = row.title if row else "This"
        when = f" at {timezone.localtime(row.used_at):%H:%M on %d %b %Y}" if row else ""
        super().__init__(
            f"This was already done: “{title}” was saved{when}. Nothing was done a second time."
        )
        self.url = row.result_url if row else ""


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def _mac(nonce: str, issued: str, scope: str, user_id: int | None) -> str:
    text = f"{nonce}.{issued}|{scope}|{user_id or ''}"
    return salted_hmac(_SALT, text, algorithm="sha256").hexdigest()[:32]


def _claim(raw: str, scope: str, user_id: int | None) -> Claim | None:
    parts = raw.strip()[:_MAX_LENGTH].split(".")
    if len(parts) != 3:
        return None
    nonce, issued, mac = parts
    if len(nonce) != 32 or not hmac.compare_digest(mac, _mac(nonce, issued, scope, user_id)):
        return None
    try:
        age = time.time() - int(issued, 36)
    except ValueError:
        return None
    if not -300 <= age <= max_age():  # five minutes of clock skew between servers
        return None
    return Claim(token=raw.strip(), key=nonce, scope=scope, user_id=user_id)


def posted(request: HttpRequest, scope: str | None = None) -> Claim | None:
    """The token posted with this request, if it was issued for `scope` (default: the URL
    posted to) and this user and has not expired; None for a missing, forged, expired or
    another form's token."""
    if request.method != "POST":
        return None
    return _claim(request.POST.get(FIELD, ""), scope or request.path, _user_id(request))


def issue(request: HttpRequest, scope: str | None = None) -> str:
    """The token to render in the form posting to `scope` (default: this URL).

    The token this request posted is kept (a form shown again after an error, a preview and
    its confirm, "Change" are one form), and one page gets one token per scope, however
    many forms post there (the status buttons of a booking)."""
    scope = scope or request.path
    cache = request.__dict__.setdefault("_onetime_tokens", {})
    if scope not in cache:
        claim = posted(request, scope)
        if claim is not None:
            cache[scope] = claim.token
        else:
            nonce = secrets.token_hex(16)
            issued = _base36(int(time.time()))
            cache[scope] = f"{nonce}.{issued}.{_mac(nonce, issued, scope, _user_id(request))}"
    return cache[scope]


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def consume(*, claim: Claim, title: str, url: str = "") -> None:
    """Mark the token used, inside the caller's transaction; AlreadyDone if it was.

    One statement, INSERT ... ON CONFLICT DO NOTHING RETURNING: a submit racing an
    uncommitted first one waits on the unique index and then inserts nothing (the first
    committed) or its row (the first rolled back). Only a refusal reads the first row.
    """
    table = connection.ops.quote_name(FormToken._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(c)
        for c in ("key", "scope", "title", "result_url", "user_id", "used_at")
    )
    used_at = FormToken._meta.get_field("used_at").get_db_prep_value(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s) "
            f"ON CONFLICT ({connection.ops.quote_name('key')}) DO NOTHING RETURNING id",
            [claim.key, claim.scope[:300], title[:200], url[:500], claim.user_id, used_at],
        )
        inserted = cursor.fetchone()
    if inserted is None:
        raise AlreadyDone(FormToken.objects.filter(key=claim.key).first())


def run_once(*, claim: Claim, title: str, url: str | Callable[[T], str], fn: Callable[[], T]) -> T:
    """Run `fn` (a service call) in one transaction with the token's consumption.

    `url` is the page of the change: a string, or for a create (whose page is known only
    afterwards) a function of `fn`'s result, stored after `fn` returned.
    """
    with service_atomic():
        consume(claim=claim, title=title, url=url if isinstance(url, str) else "")
        result = fn()
        if not isinstance(url, str):
            FormToken.objects.filter(key=claim.key).update(result_url=url(result)[:500])
        return result


def purge() -> int:
    """Delete used tokens older than FORM_TOKEN_MAX_AGE: their forms are refused as expired
    before the table is asked, so the rows guard nothing any more."""
    cutoff = timezone.now() - datetime.timedelta(seconds=max_age() + 3600)
    deleted, _ = FormToken.objects.filter(used_at__lt=cutoff).delete()
    return deleted
