"""Log-in throttling: django-axes, configured in settings (AXES_*, LOGIN_*), plus what it lacks.

How it behaves (README, "Production"):

- A username with LOGIN_FAILURE_LIMIT failed log-ins (5), or an address with
  LOGIN_FAILURE_LIMIT_PER_ADDRESS (20: an office behind one address shares it), is locked
  out: every log-in for that username or from that address is refused before any password is
  checked, with the log-in page saying when to try again (HTTP 429).
- The first lockout lasts LOGIN_LOCKOUT_SECONDS (1 minute); each further lockout of the same
  username or address within a day doubles it, up to LOGIN_LOCKOUT_MAX_SECONDS (15 minutes).
  Attempts during a lockout do not prolong it, so the real user, locked out by someone
  else's guesses, waits at most the cap.
- Failed log-ins and lockouts are written to the history (services.login_failure_record,
  services.login_lockout_record).

What axes lacks, added here:

- Two limits (axes has one for all its parameters): `ThrottleHandler.get_failures` weighs an
  address's failures so that LOGIN_FAILURE_LIMIT_PER_ADDRESS of them reach the limit.
- A growing lockout: AXES_COOLOFF_TIME is `cool_off(request)`, from the lockouts axes logged
  for this username or address in the last day (AccessFailureLog rows with locked_out).
  Axes uses the cool-off both as the time within which failures add up and as the length of
  a lockout after the last failure.
- Expiry per client: axes deletes every attempt older than the *current* client's cool-off,
  which would end another client's longer lockout early; here each client's own rows expire
  with its own cool-off, and everybody's once past the longest one.
"""

import ipaddress
import math
from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max, Q, Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .services import duration_text, login_failure_record, login_lockout_record

USERNAME_MAX = 150  # auth.User.username; axes stores up to 255


def _address(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (AXES_CLIENT_IP_CALLABLE). Behind LOGIN_PROXY_COUNT reverse
    proxies it is the entry of X-Forwarded-For that the outermost of them added: each proxy
    appends the address it was called from, so anything further left may be made up."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.LOGIN_PROXY_COUNT
    if count > 0:
        hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            remote = hops[-count]
    return _address(remote)


def _typed_username(request: HttpRequest | None, credentials: dict | None) -> str:
    if credentials and credentials.get("username") is not None:
        raw = credentials["username"]
    elif request is not None:
        raw = request.POST.get("username", "")
    else:
        raw = ""
    return str(raw).strip()[:USERNAME_MAX]


def client_username(request: HttpRequest | None, credentials: dict | None) -> str | None:
    """The username attempts are counted under (AXES_USERNAME_CALLABLE): trimmed, lower case
    (so "Alice" and "alice " share one counter) and no longer than a username can be."""
    return _typed_username(request, credentials).lower() or None


def lockout_seconds(lockouts: int) -> int:
    """How long the `lockouts`-th lockout within a day lasts (1st: the base)."""
    doublings = min(max(lockouts - 1, 0), 30)
    return min(settings.LOGIN_LOCKOUT_SECONDS * 2**doublings, settings.LOGIN_LOCKOUT_MAX_SECONDS)


def recent_lockouts(request: HttpRequest) -> int:
    """Lockouts of this username or address in the last day, counted once per request (before
    the request's own failure is logged, so every step of one request sees the same)."""
    cached = getattr(request, "_login_lockouts", None)
    if cached is not None:
        return cached
    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    since = timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_MEMORY_SECONDS)
    count = (
        AccessFailureLog.objects.filter(locked_out=True, attempt_time__gte=since)
        .filter(Q(username=client_username(request, None)) | Q(ip_address=address))
        .count()
    )
    request._login_lockouts = count
    return count


def cool_off(request: HttpRequest | None) -> timedelta:
    """AXES_COOLOFF_TIME: the length of this client's current (or next) lockout."""
    if request is None:
        return timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    return timedelta(seconds=lockout_seconds(max(recent_lockouts(request), 1)))


def _is_new_lockout(request: HttpRequest) -> bool:
    # Axes counts the failures (and sets this) only for an attempt it let through; an attempt
    # refused during a lockout leaves it None.
    return getattr(request, "axes_failures_since_start", None) is not None


def current_lockout_seconds(request: HttpRequest) -> int:
    """The length of the lockout this request is refused by (or has just started)."""
    return lockout_seconds(recent_lockouts(request) + (1 if _is_new_lockout(request) else 0))


class ThrottleBackend(AxesStandaloneBackend):
    """Refuses a locked-out log-in before the password is checked (first in
    AUTHENTICATION_BACKENDS). `authenticate()` without a request is not a web log-in (the
    shell, a test client's login()): there is nobody to throttle, so it is let through."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class ThrottleHandler(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler with two limits and expiry per client."""

    def get_failures(self, request, credentials=None) -> int:
        by_username, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)  # AXES_LOCKOUT_PARAMETERS
        )
        request._login_failures = (by_username, by_address)
        # In units of the username limit: LOGIN_FAILURE_LIMIT_PER_ADDRESS failures from one
        # address weigh as much as LOGIN_FAILURE_LIMIT on one username.
        scaled = (
            by_address * settings.LOGIN_FAILURE_LIMIT // settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
        )
        return max(by_username, scaled)

    def clean_expired_user_attempts(self, request=None, credentials=None) -> int:
        longest = max(settings.LOGIN_LOCKOUT_MAX_SECONDS, settings.LOGIN_LOCKOUT_SECONDS)
        horizon = timezone.now() - timedelta(seconds=longest)
        count = AccessAttempt.objects.filter(attempt_time__lte=horizon).delete()[0]
        if request is not None and hasattr(request, "axes_attempt_time"):
            count += AccessAttempt.objects.filter(
                username=client_username(request, credentials),
                ip_address=request.axes_ip_address,
                attempt_time__lte=get_cool_off_threshold(request),
            ).delete()[0]
        return count


def login_records_prune() -> int:
    """Delete axes' logs of failed and successful log-ins older than LOGIN_RECORDS_KEEP_DAYS
    (nothing else deletes them; the history of failures and lockouts stays in AuditEvent).
    Lockouts younger than a day are always kept: they make the next lockout longer."""
    days = max(settings.LOGIN_RECORDS_KEEP_DAYS, 1)
    before = timezone.now() - timedelta(days=days)
    deleted = AccessFailureLog.objects.filter(attempt_time__lt=before).delete()[0]
    return deleted + AccessLog.objects.filter(attempt_time__lt=before).delete()[0]


def lock_ends_at(request: HttpRequest, credentials: dict | None = None):
    """When the lockout that refuses this request ends: its last counted failure plus its
    length (failures during a lockout are not counted)."""
    handler = AxesProxyHandler.get_implementation()
    latest = max(
        (
            found
            for attempts in handler.get_user_attempts(request, credentials)
            if (found := attempts.aggregate(at=Max("attempt_time"))["at"]) is not None
        ),
        default=timezone.now(),
    )
    return latest + timedelta(seconds=current_lockout_seconds(request))


def lockout_message(request: HttpRequest, credentials: dict | None = None) -> str:
    seconds = math.ceil((lock_ends_at(request, credentials) - timezone.now()).total_seconds())
    return (
        "Too many failed log-in attempts for this username or from this address. "
        f"Try again in {duration_text(max(seconds, 1))}."
    )


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the log-in page again, with the username kept and the lockout
    message in place of the form's error (429 Too Many Requests)."""
    form = AuthenticationForm(request, initial={"username": _typed_username(request, credentials)})
    context = {
        "form": form,
        "lockout": lockout_message(request, credentials),
        "next": request.POST.get("next", request.GET.get("next", "")),
    }
    return render(request, "registration/login.html", context, status=429)


def _user_named(username: str):
    if not username:
        return None
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()


# The history reads "failed log-in" before the "locked" it led to, whichever of axes' receiver
# (which sends user_locked_out) and ours Django calls first.


@receiver(user_login_failed, dispatch_uid="core_login_failed_history")
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    if request is None:
        return  # not a web log-in
    if getattr(request, "axes_locked_out", False) and not _is_new_lockout(request):
        return  # refused by the throttle unchecked: the lockout is in the history already
    username = _typed_username(request, credentials)
    login_failure_record(
        username=username,
        address=getattr(request, "axes_ip_address", None) or client_ip(request),
        user=_user_named(username),
    )
    request._login_failure_recorded = True
    if getattr(request, "_login_lockout_pending", False):
        _record_lockout(request)


@receiver(user_locked_out, dispatch_uid="core_login_lockout_history")
def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    if request is None or not _is_new_lockout(request):
        return  # an attempt refused during a lockout, not a new one
    if getattr(request, "_login_failure_recorded", False):
        _record_lockout(request)
    else:
        request._login_lockout_pending = True


def _record_lockout(request: HttpRequest) -> None:
    typed = _typed_username(request, getattr(request, "axes_credentials", None))
    by_username, by_address = getattr(request, "_login_failures", (0, 0))
    login_lockout_record(
        username=typed,
        address=getattr(request, "axes_ip_address", None),
        user=_user_named(typed),
        failures=max(by_username, by_address),
        seconds=current_lockout_seconds(request),
    )
