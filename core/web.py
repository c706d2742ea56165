"""Small helpers every app's views share (HTMX partials, domain errors on forms, ids)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .errors import DomainError


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
