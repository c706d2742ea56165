"""Small helpers every app's views share (HTMX partials, domain errors on forms, ids), the
one-time form helpers (`submit_once`, `click_once`, core.onetime) and the one helper for
confirm-style action pages (`action_view`)."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from . import onetime
from .errors import DomainError
from .models import FormToken
from .preview import preview_run


def partial_template(request: HttpRequest, template: str, partial: str) -> str:
    """The whole page, or only the named fragment for an HTMX swap (not a history restore)."""
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


def htmx_redirect(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful POST: a real redirect, or HX-Redirect for an HTMX form."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def posted(request: HttpRequest):
    """The posted data for a form, or None on GET (an empty POST still binds the form, so a
    confirmation whose only field is optional can be submitted)."""
    return request.POST if request.method == "POST" else None


def int_or_none(value) -> int | None:
    """A positive database id from user input, or None (never an exception, never overflow)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def form_add_domain_error(form, error: DomainError) -> None:
    """Show a refused action's message on the field it names, or on the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


# --- one-time forms (core.onetime) --------------------------------------------------------------


def already_done_response(request: HttpRequest, error: onetime.AlreadyDone) -> HttpResponse:
    """A form submitted again after its change was made: the page of that change, saying so."""
    messages.info(request, error.message)
    return htmx_redirect(request, error.url or request.path)


def _used_before(claim: onetime.Claim | None) -> onetime.AlreadyDone | None:
    """For a post the form refuses: was its token used? A replay (the back button) often no
    longer validates (the places it cancelled are gone from the choices), and deserves the
    page of the change it made rather than a form error. Never asked on the happy path."""
    if claim is None:
        return None
    row = FormToken.objects.filter(key=claim.key).first()
    return onetime.AlreadyDone(row) if row is not None else None


def click_once(
    request: HttpRequest,
    *,
    title: str,
    url: str,
    run: Callable[[], Any],
    done: Callable[[Any], str],
) -> HttpResponse:
    """The POST of a one-click button (a form of hidden fields and `{% form_token %}`), made
    once per page shown (core.onetime): messages say what happened or why not, and the
    answer is always the page `url` (HX-Redirect for HTMX)."""
    claim = onetime.posted(request)
    if claim is None:
        messages.error(request, onetime.EXPIRED_MESSAGE)
        return htmx_redirect(request, url)
    try:
        result = onetime.run_once(claim=claim, title=title, url=url, fn=run)
    except onetime.AlreadyDone as error:
        return already_done_response(request, error)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done(result))
    return htmx_redirect(request, url)


def submit_once(
    request: HttpRequest,
    form,
    *,
    title: str,
    run: Callable[[], Any],
    url: str | Callable[[Any], str],
    done: Callable[[Any], str],
) -> HttpResponse | None:
    """The POST of a plain create / edit form, made once per form shown (core.onetime).

    The template renders `{% form_token %}` in the form. Valid: `run()` (the service) runs in
    one transaction with the token's consumption, then message + redirect to `url` (a
    string, or a function of the result for a create). A second submit of the same form gets
    the page of the first change and "This was already done". Returns None when the form
    is to be shown again (invalid, refused, or posted without a genuine token).
    """
    claim = onetime.posted(request)
    if not form.is_valid():
        used = _used_before(claim)
        return already_done_response(request, used) if used else None
    if claim is None:
        form.add_error(None, onetime.EXPIRED_MESSAGE)
        return None
    try:
        result = onetime.run_once(claim=claim, title=title, url=url, fn=run)
    except onetime.AlreadyDone as error:
        return already_done_response(request, error)
    except DomainError as error:
        form_add_domain_error(form, error)
        return None
    messages.success(request, done(result))
    return htmx_redirect(request, url if isinstance(url, str) else url(result))


# --- confirm-style actions --------------------------------------------------------------------

ACTION_TEMPLATE = "includes/action_page.html"
STALE_MESSAGE = "Something changed since the preview. Check the new preview and confirm again."


def action_view(
    request: HttpRequest,
    *,
    form,
    run: Callable[[dict], Any],
    done: Callable[[Any, dict], str],
    title: str,
    subject: str,
    back_url: str,
    submit: str,
    success_url: str | Callable[[Any], str] | None = None,
    preview: bool = True,
    consequence: str = "",
    danger: bool = False,
    intro_template: str = "",
    context: dict | None = None,
) -> HttpResponse:
    """THE form-action page: every confirm-style action renders through here.

    GET shows the form. With `preview` (every action that moves money), POST "Preview"
    validates the form and runs `run(cleaned_data)` through `core.preview.preview_run`, which
    rolls it back and shows exactly what would happen; the confirm step carries the same fields
    as hidden inputs plus the plan's fingerprint, and POST "Confirm" runs the service for real,
    committing only if the outcome still matches ("Something changed since the preview" and
    the new plan otherwise, so a second click changes nothing). Without `preview`, POST runs
    the service at once; `consequence` then names what the action does, shown on the form.
    A DomainError shows on the form; success -> message + redirect (HX-Redirect for HTMX).
    Works without JavaScript (plain posts); with HTMX the "action-form" partial is swapped.
    One-time (core.onetime): the page's token is consumed with the committed change, so the
    same form posted again answers with `success_url or back_url` and "This was already done".
    `success_url` may be a function of the service's result (the page of what a create made).
    """
    # One-time (core.onetime): the token shown with the form survives "Preview", "Change" and
    # the confirm step; only a committed run consumes it, in the service's transaction.
    claim = onetime.posted(request)
    token = onetime.issue(request)
    step, plan, stale, stale_message = "form", None, False, STALE_MESSAGE
    if request.method == "POST":
        wanted = request.POST.get("step", "")
        if wanted != "edit" and form.is_valid():
            # Browsers send a textarea's line breaks as CRLF but a hidden input's as they
            # were parsed (LF): one form of the text, so the confirm sees what the preview did.
            data = {
                k: v.replace("\r\n", "\n") if isinstance(v, str) else v
                for k, v in form.cleaned_data.items()
            }

            def once():
                if claim is None:  # only a preview runs without a genuine token
                    return run(data)
                return onetime.run_once(
                    claim=claim, title=title, url=success_url or back_url, fn=lambda: run(data)
                )

            try:
                if preview:
                    given = request.POST.get("fingerprint", "") if wanted == "confirm" else ""
                    if given and claim is None:
                        # A confirm without its form's token: preview again, with a new one.
                        given, stale, stale_message = "", True, onetime.EXPIRED_MESSAGE
                    outcome = preview_run(once, fingerprint=given or None)
                    committed, result = outcome.committed, outcome.result
                elif claim is None:
                    form.add_error(None, onetime.EXPIRED_MESSAGE)
                    committed, result = False, None
                else:
                    committed, result = True, once()
            except onetime.AlreadyDone as error:
                return already_done_response(request, error)
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                if committed:
                    messages.success(request, done(result, data))
                    url = success_url(result) if callable(success_url) else success_url
                    return htmx_redirect(request, url or back_url)
                if preview:
                    step, plan = "confirm", outcome.plan
                    stale = stale or outcome.stale
        elif wanted != "edit" and (used := _used_before(claim)):
            return already_done_response(request, used)
    page = {
        "title": title,
        "subject": subject,
        "back_url": back_url,
        "submit": submit,
        "preview": preview,
        "consequence": consequence,
        "danger": danger,
        "intro_template": intro_template,
        "url": request.path,
    }
    return render(
        request,
        partial_template(request, ACTION_TEMPLATE, "action-form"),
        {
            **(context or {}),
            "action": page,
            "form": form,
            "step": step,
            "plan": plan,
            "stale": stale,
            "stale_message": stale_message,
            "form_token": token,
            "page_title": f"{title} · {subject}",
        },
    )
