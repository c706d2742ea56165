"""Finance pages. Thin: permission, form, one service call, render (full page or partial)."""

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from core.access import has, require
from core.paging import QuickPage
from core.web import action_view, partial_template
from notifications.selectors import emails_about

from . import selectors, services
from .filters import InvoiceFilter
from .forms import CreditNoteForm, EmailForm, PaymentForm, ReallocateForm, RefundForm
from .models import CreditNote, Invoice
from .pdf import credit_note_pdf, invoice_pdf

PAGE_SIZE = 50


def _invoice_or_404(pk: int) -> Invoice:
    try:
        return selectors.invoice_detail(pk)
    except Invoice.DoesNotExist:
        raise Http404("No such invoice") from None


@require("view_finance")
@vary_on_headers("HX-Request")
def invoice_list(request: HttpRequest) -> HttpResponse:
    filterset = InvoiceFilter(request.GET, queryset=selectors.invoice_list_queryset())
    qs = filterset.qs if filterset.is_valid() else selectors.invoice_list_queryset().none()
    # No COUNT(*): over 100,000 invoices the count costs more than the page itself.
    page = QuickPage(qs, request.GET.get("page"), PAGE_SIZE)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "querystring": params.urlencode(),
        "page_title": "Invoices",
    }
    # A history restore needs the whole page, not the fragment (core.web.partial_template).
    return render(
        request, partial_template(request, "invoicing/invoice_list.html", "results"), context
    )


def _detail_context(request: HttpRequest, invoice: Invoice) -> dict:
    payments = selectors.payments_on_invoice(invoice)
    emails = list(emails_about(invoice))
    return {
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "credit_notes": list(invoice.credit_notes.all()),
        "allocations": list(invoice.allocations.all()),
        "refunds": list(invoice.refunds.all()),
        "payments": payments,
        "history": selectors.invoice_history(invoice),
        "emails": emails,
        "can_manage": has(request.user, "manage_finance"),
        "page_title": f"Invoice {invoice.display_no}",
    }


@require("view_finance")
@vary_on_headers("HX-Request")
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    return render(request, "invoicing/invoice_detail.html", _detail_context(request, invoice))


@require("view_finance")
def invoice_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = Invoice.objects.filter(pk=pk).first()
    if invoice is None:
        raise Http404("No such invoice")
    filename, content = invoice_pdf(invoice)
    return _pdf_response(filename, content)


@require("view_finance")
def credit_note_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    note = CreditNote.objects.select_related("invoice").filter(pk=pk).first()
    if note is None:
        raise Http404("No such credit note")
    filename, content = credit_note_pdf(note)
    return _pdf_response(filename, content)


def _pdf_response(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- actions ------------------------------------------------------------------------------------


def _action(
    request: HttpRequest,
    invoice: Invoice,
    *,
    form,
    title: str,
    submit: str,
    run: Callable[[dict], Any],
    done: Callable[[Any, dict], str],
    preview: bool = True,
    extra: dict | None = None,
) -> HttpResponse:
    """An action on one invoice, through the shared action page (core.web.action_view):
    money actions are previewed (run and rolled back) before they are confirmed."""
    return action_view(
        request,
        form=form,
        run=run,
        done=done,
        title=title,
        subject=invoice.display_no,
        back_url=reverse("invoicing:detail", args=[invoice.pk]),
        submit=submit,
        preview=preview,
        intro_template="invoicing/_action_intro.html",
        context={"invoice": invoice, **(extra or {})},
    )


@require("manage_finance")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def payment_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    form = PaymentForm(request.POST or None, initial={"amount": invoice.outstanding or None})

    def run(data):
        return services.payment_record(
            actor=request.user,
            invoice=invoice,
            amount=data["amount"],
            method=data["method"],
            reference=data["reference"],
            received_on=data["received_on"],
        )

    def done(payment, data):
        text = f"Payment {payment.display_no} of £{payment.amount} recorded."
        if data["amount"] > invoice.outstanding:
            text += f" This overpays the invoice by £{data['amount'] - invoice.outstanding}."
        return text

    return _action(
        request,
        invoice,
        form=form,
        title="Record payment",
        submit="Record payment",
        run=run,
        done=done,
    )


@require("manage_finance")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def credit_note_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    remaining = selectors.remaining_by_line(invoice)
    form = CreditNoteForm(
        request.POST or None,
        lines=list(invoice.lines.all()),
        remaining_places={k: r.places for k, r in remaining.items()},
    )

    def run(data):
        mode = data["mode"]
        return services.credit_note_issue(
            actor=request.user,
            invoice=invoice,
            reason=data["reason"],
            amount=data["amount"] if mode == CreditNoteForm.AMOUNT else None,
            line_places=data.get("line_places") if mode == CreditNoteForm.PLACES else None,
            full=mode == CreditNoteForm.FULL,
        )

    return _action(
        request,
        invoice,
        form=form,
        title="Issue credit note",
        submit="Issue credit note",
        run=run,
        done=lambda note, data: (
            f"Credit note {note.display_no} for £{note.gross_total} issued and applied."
        ),
        extra={"creditable": invoice.gross_total - invoice.credited_total},
    )


@require("manage_finance")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def refund_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    payments = selectors.payments_on_invoice(invoice)
    form = RefundForm(
        request.POST or None,
        payments=payments,
        initial={"amount": invoice.overpayment or None},
    )
    by_id = {p.payment.pk: p.payment for p in payments}

    def run(data):
        return services.refund_issue(
            actor=request.user,
            invoice=invoice,
            amount=data["amount"],
            reason=data["reason"],
            payment=by_id.get(data["payment"]) if data["payment"] else None,
        )

    return _action(
        request,
        invoice,
        form=form,
        title="Refund overpayment",
        submit="Refund",
        run=run,
        done=lambda refund, data: (
            f"Refund of £{data['amount']} recorded against {refund.payment.display_no}."
        ),
    )


@require("manage_finance")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def reallocate_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    targets = selectors.reallocation_targets(invoice)
    form = ReallocateForm(
        request.POST or None, targets=targets, initial={"amount": invoice.overpayment or None}
    )
    by_id = {t.pk: t for t in targets}

    def run(data):
        return services.payment_reallocate(
            actor=request.user,
            source=invoice,
            target=by_id[data["target"]],
            amount=data["amount"],
            reason=data["reason"],
        )

    return _action(
        request,
        invoice,
        form=form,
        title="Move overpayment to another invoice",
        submit="Move money",
        run=run,
        done=lambda rows, data: f"£{data['amount']} moved to {by_id[data['target']].display_no}.",
        extra={"no_targets": not targets},
    )


@require("manage_finance")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def email_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice_or_404(pk)
    form = EmailForm(request.POST or None, initial={"to": invoice.buyer.get("email", "")})
    return _action(
        request,
        invoice,
        form=form,
        title="Send invoice by email",
        submit="Send",
        run=lambda data: services.invoice_email_send(
            actor=request.user, invoice=invoice, to=[data["to"]]
        ),
        done=lambda message, data: (
            f"Invoice {invoice.display_no} queued to {data['to']} with the PDF attached."
        ),
        preview=False,  # no money moves: the email itself is the action
    )


@require("manage_finance")
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def credit_note_email_view(request: HttpRequest, pk: int) -> HttpResponse:
    note = CreditNote.objects.select_related("invoice").filter(pk=pk).first()
    if note is None:
        raise Http404("No such credit note")
    form = EmailForm(request.POST or None, initial={"to": note.buyer.get("email", "")})
    return _action(
        request,
        note.invoice,
        form=form,
        title=f"Send credit note {note.display_no} by email",
        submit="Send",
        run=lambda data: services.credit_note_email_send(
            actor=request.user, credit_note=note, to=[data["to"]]
        ),
        done=lambda message, data: (
            f"Credit note {note.display_no} queued to {data['to']} with the PDF attached."
        ),
        preview=False,
    )
