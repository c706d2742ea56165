"""Small helpers every app's views share (HTMX partials, domain errors on forms, ids) and the
one helper for confirm-style action pages (`action_view`)."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .errors import DomainError
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
    success_url: str | None = None,
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
    """
    step, plan, stale = "form", None, False
    if request.method == "POST":
        wanted = request.POST.get("step", "")
        if wanted != "edit" and form.is_valid():
            # Browsers send a textarea's line breaks as CRLF but a hidden input's as they
            # were parsed (LF): one form of the text, so the confirm sees what the preview did.
            data = {
                k: v.replace("\r\n", "\n") if isinstance(v, str) else v
                for k, v in form.cleaned_data.items()
            }
            try:
                if preview:
                    given = request.POST.get("fingerprint", "") if wanted == "confirm" else ""
                    outcome = preview_run(lambda: run(data), fingerprint=given or None)
                    committed, result = outcome.committed, outcome.result
                else:
                    committed, result = True, run(data)
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                if committed:
                    messages.success(request, done(result, data))
                    return htmx_redirect(request, success_url or back_url)
                step, plan, stale = "confirm", outcome.plan, outcome.stale
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
            "stale_message": STALE_MESSAGE,
            "page_title": f"{title} · {subject}",
        },
    )
