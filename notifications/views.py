import hashlib

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from core.access import require
from core.errors import DomainError
from core.health import health_report
from core.web import partial_template

from .filters import OutboxFilter
from .forms import EmailTemplateForm
from .models import EmailTemplate, OutboxMessage
from .selectors import outbox_detail, outbox_failed_count, outbox_list
from .services import (
    email_queue,
    email_render,
    email_template_confidential,
    email_template_defaults,
    email_template_example,
    email_template_reset,
    email_template_update,
    outbox_retry,
    outbox_retry_failed,
)

PAGE_SIZE = 25


# --- Outbox ------------------------------------------------------------------------------------


@require("view_outbox")
@vary_on_headers("HX-Request")
def outbox(request):
    filterset = OutboxFilter(request.GET or None, queryset=outbox_list())
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "failed_count": outbox_failed_count(),
        "query": query.urlencode(),
        "page_title": "Outbox",
        # Called by the full page only (an HTMX swap of the results does not read it).
        "health": health_report,
    }
    return render(
        request, partial_template(request, "notifications/outbox.html", "results"), context
    )


def _message_or_404(message_id: int) -> OutboxMessage:
    try:
        return outbox_detail(message_id)
    except OutboxMessage.DoesNotExist:
        raise Http404("No such email") from None


@require("view_outbox")
@vary_on_headers("HX-Request")
def outbox_message(request, message_id: int):
    message = _message_or_404(message_id)
    context = {
        "message": message,
        "confidential": email_template_confidential(message.template_key),
        "page_title": f"Email: {message.subject}",
    }
    return render(
        request, partial_template(request, "notifications/message.html", "panel"), context
    )


# An email's HTML is made of inline styles, which the pages' Content-Security-Policy refuses
# (core/security.py), and is shown in a sandboxed frame: it is served on its own, with a
# policy that allows those styles and nothing active (no script, form or plugin; an opaque
# origin), to be framed by our pages only.
EMAIL_HTML_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; font-src data:; "
    "frame-ancestors 'self'; sandbox"
)


def _email_html(html: str) -> HttpResponse:
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = EMAIL_HTML_CSP
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


@require("view_outbox")
def outbox_message_html(request, message_id: int):
    message = _message_or_404(message_id)
    if not message.html_body or email_template_confidential(message.template_key):
        raise Http404("This email has no HTML version to show")
    return _email_html(message.html_body)


# "Retry" needs only view_outbox: it sends the same, already written email again to the same
# recipients, and the people who see a failed booking or invoice email (team leaders, finance)
# are the ones who must get it out; the content is only editable with manage_email_templates.
@require("view_outbox")
@require_POST
def outbox_message_retry(request, message_id: int):
    message = get_object_or_404(OutboxMessage, pk=message_id)
    try:
        outbox_retry(actor=request.user, message=message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The email has been queued to be sent again.")
    if request.htmx:
        message = _message_or_404(message_id)
        return render(
            request, "notifications/message.html#panel", {"message": message, "notice": True}
        )
    return redirect("notifications:outbox_detail", message_id=message_id)


@require("view_outbox")
@require_POST
def outbox_retry_all_failed(request):
    count = outbox_retry_failed(actor=request.user)
    if count:
        messages.success(request, f"{count} failed email(s) queued to be sent again.")
    else:
        messages.info(request, "There are no failed emails to send again.")
    return redirect(f"{reverse('notifications:outbox')}?state=failed")


# --- Email templates -----------------------------------------------------------------------------


@require("manage_email_templates")
def templates(request):
    rows = EmailTemplate.objects.select_related("updated_by").order_by("name", "key")
    defaults = email_template_defaults()
    return render(
        request,
        "notifications/templates.html",
        {"templates": rows, "defaults": defaults, "page_title": "Email templates"},
    )


def _preview(template: EmailTemplate, subject: str, body: str, html_body: str) -> dict:
    try:
        rendered = email_render(
            subject=subject,
            body=body,
            html_body=html_body,
            context=email_template_example(template.key),
        )
    except Exception as exc:  # the form reports the details
        return {"error": str(exc)}
    version = hashlib.sha256(rendered.html_body.encode()).hexdigest()[:16]
    return {"rendered": rendered, "html_version": version}


def _html_preview_key(key: str) -> str:
    return f"email_template_html_preview:{key}"


@require("manage_email_templates")
@vary_on_headers("HX-Request")
def template_edit(request, key: str):
    template = get_object_or_404(EmailTemplate, key=key)
    form = EmailTemplateForm(request.POST or None, instance=template)
    action = request.POST.get("action", "save")
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if action == "preview":
            preview = _preview(template, data["subject"], data["body"], data["html_body"])
            if "rendered" in preview:  # the frame shows this unsaved version (below)
                request.session[_html_preview_key(key)] = preview["rendered"].html_body
        else:
            try:
                email_template_update(
                    actor=request.user,
                    template=template,
                    subject=data["subject"],
                    body=data["body"],
                    html_body=data["html_body"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Email template “{template.name}” saved.")
                return redirect("notifications:template_edit", key=key)
    elif request.method == "GET":
        request.session.pop(_html_preview_key(key), None)
        preview = _preview(template, template.subject, template.body, template.html_body)
    context = {
        "template": template,
        "form": form,
        "preview": preview,
        "has_default": key in email_template_defaults(),
        "variables": sorted({*email_template_example(key), "seller"}),
        "page_title": f"Email template: {template.name}",
    }
    name = "preview" if action == "preview" else "editor"
    return render(
        request, partial_template(request, "notifications/template_edit.html", name), context
    )


@require("manage_email_templates")
def template_preview_html(request, key: str):
    """The HTML of the template's preview (the frame on its page): the version last
    previewed on the page, or else the saved one, with example data."""
    template = get_object_or_404(EmailTemplate, key=key)
    html = request.session.get(_html_preview_key(key))
    if html is None:
        preview = _preview(template, template.subject, template.body, template.html_body)
        html = preview["rendered"].html_body if "rendered" in preview else ""
    if not html:
        raise Http404("This template has no HTML version")
    return _email_html(html)


@require("manage_email_templates")
@require_POST
def template_reset(request, key: str):
    template = get_object_or_404(EmailTemplate, key=key)
    try:
        email_template_reset(actor=request.user, template=template)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Email template “{template.name}” restored to its default.")
    return redirect("notifications:template_edit", key=key)


@require("manage_email_templates")
@require_POST
def template_send_test(request, key: str):
    """Queue the saved template, with its example data, to the signed-in user."""
    template = get_object_or_404(EmailTemplate, key=key)
    try:
        message = email_queue(
            to=request.user.email,
            template_key=template.key,
            context=email_template_example(template.key),
            actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("notifications:template_edit", key=key)
    messages.success(request, f"A test email was queued to {request.user.email}.")
    return redirect("notifications:outbox_detail", message_id=message.pk)
