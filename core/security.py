"""Security headers of every response, and the idle timeout of sessions.

Django 5.2 sets X-Frame-Options, Referrer-Policy, X-Content-Type-Options and
Cross-Origin-Opener-Policy itself (settings X_FRAME_OPTIONS, SECURE_REFERRER_POLICY, ...);
it has no Content-Security-Policy or Permissions-Policy, which are added here.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

CSP = "Content-Security-Policy"


def csp_header(policy: dict[str, str]) -> str:
    return "; ".join(f"{directive} {value}".strip() for directive, value in policy.items())


class SecurityHeadersMiddleware:
    """Content-Security-Policy (settings.CONTENT_SECURITY_POLICY) and Permissions-Policy.

    The policy allows scripts and styles from our own static files only: no inline <script>,
    <style>, style="" or on*="" handlers, and no eval (base.html tells HTMX so). A view that
    serves other content (an email's HTML, shown in a sandboxed frame) sets its own header,
    which is kept.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = csp_header(settings.CONTENT_SECURITY_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if CSP not in response:
            response[CSP] = self.policy
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response


# When the session was last seen (seconds since the epoch), and how often that is written:
# writing the session on every request would add an UPDATE to each one.
LAST_SEEN = "_last_seen"
REFRESH_EVERY = 60


class SessionIdleTimeoutMiddleware:
    """Ends a session after settings.SESSION_IDLE_TIMEOUT seconds without a request.

    The time of the last request is kept in the session (on the server), written at most
    once a minute; saving it also moves the session's own expiry (SESSION_COOKIE_AGE, an hour
    longer) on, in the database and in the cookie. So a session in use lives on, one left
    alone ends to the minute, and the log-in page says why.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            now = int(time.time())
            seen = session.get(LAST_SEEN)
            if isinstance(seen, int) and now - seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, "You were logged out after a period without activity.")
            elif not isinstance(seen, int) or now - seen >= REFRESH_EVERY:
                session[LAST_SEEN] = now
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="core_session_last_seen")
def note_login_time(sender, request=None, user=None, **kwargs) -> None:
    # Logging in saves the session anyway: noting the time now spares the next request a write.
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())
