"""Shared machinery of the ledger services: operations, locks, numbering, balances, checks."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import connection
from django.db.models import Sum

from core import preview
from core.audit import MAX_REASON, Actor
from core.errors import DomainError
from core.money import MAX_AMOUNT, money_str, q
from core.text import bounded
from core.transactions import locked, remember_lock, service_atomic

from ..ledger import ZERO, Balances, derive
from ..models import (
    Allocation,
    BillingAccount,
    CreditNote,
    DocumentSequence,
    Invoice,
    Operation,
    Refund,
)

INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CN"
# The largest value of the invoice's cached balance columns, DecimalField(12, 2).
BALANCE_LIMIT = Decimal("9999999999.99")

_current_operation: ContextVar[Operation | None] = ContextVar("ledger_operation", default=None)


# --- operations -------------------------------------------------------------------------------


@contextmanager
def ledger_operation(
    *, kind: str, actor: Actor, reason: str = "", params: dict | None = None
) -> Iterator[Operation]:
    """Group several ledger services into one transaction and one Operation row.

    A transfer (credit note + new invoice + reallocation) runs the three services inside
    `with ledger_operation(kind="transfer", ...)`; each service then reuses this operation
    instead of writing its own.
    """
    reason = bounded(reason, label="Reason", field="reason", limit=MAX_REASON)
    with service_atomic():
        current = _current_operation.get()
        if current is not None:
            yield current
            return
        op = Operation.objects.create(
            kind=kind, actor=_real_user(actor), reason=reason, params=params or {}
        )
        _preview_note_operation(op)
        token = _current_operation.set(op)
        try:
            yield op
        finally:
            _current_operation.reset(token)


def _real_user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


# --- locks --------------------------------------------------------------------------------------
# Lock order, always: billing account -> invoices (by pk) -> sequences (CN before INV).


def lock_account(account_id: int) -> BillingAccount:
    """The account's row, locked. Not read again when this service transaction has locked it
    already (`billing_account_for(lock=True)` just before `invoice_issue`)."""
    account = locked(BillingAccount, account_id)
    if account is None:
        account = BillingAccount.objects.select_for_update().get(pk=account_id)
        remember_lock(account)
    return account


def lock_invoices(*invoice_ids: int) -> dict[int, Invoice]:
    rows = Invoice.objects.select_for_update().filter(pk__in=set(invoice_ids)).order_by("pk")
    found = {inv.pk: inv for inv in rows}
    if len(found) != len(set(invoice_ids)):
        raise DomainError("That invoice does not exist.")
    return found


def next_number(series: str) -> int:
    """Take the next number of a series. The upsert locks the counter row until commit, so
    concurrent issuers queue and a rollback gives the number back: no gap, no duplicate."""
    table = connection.ops.quote_name(DocumentSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (series, last) VALUES (%s, 1) "
            f"ON CONFLICT (series) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [series],
        )
        return int(cursor.fetchone()[0])


def display_number(series: str, number: int) -> str:
    prefix = (
        settings.CREDIT_NOTE_NUMBER_PREFIX
        if series == CREDIT_NOTE_SERIES
        else settings.INVOICE_NUMBER_PREFIX
    )
    return f"{prefix}{number:06d}"


# --- balances -----------------------------------------------------------------------------------


def recompute_balances(invoice: Invoice) -> Balances:
    """Derive an invoice's balances from its raw ledger rows (never from the cache)."""
    credited = CreditNote.objects.filter(invoice=invoice).aggregate(s=Sum("gross_total"))["s"]
    paid = Allocation.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"]
    refunded = Refund.objects.filter(invoice=invoice, state__in=Refund.COUNTING).aggregate(
        s=Sum("amount")
    )["s"]
    return derive(
        total=invoice.gross_total,
        credited=q(credited or ZERO),
        paid=q(paid or ZERO),
        refunded=q(refunded or ZERO),
    )


def store_balances(invoice: Invoice) -> Invoice:
    """Refresh the invoice's cached balances in the current transaction (and the revenue
    report's outstanding figure by the change)."""
    from .revenue import record_outstanding

    _preview_note_before(invoice)
    balances = recompute_balances(invoice)
    if balances.outstanding < 0 or balances.overpayment < 0:  # pragma: no cover - guarded above
        raise DomainError("This would leave the invoice with a negative balance.")
    for field, value in balances.as_fields().items():
        # The services' own limits keep sums far below the columns; this backstop turns what
        # would be a database overflow (a 500) into a refusal, e.g. after a great many
        # payments and refunds on one invoice.
        if isinstance(value, Decimal) and abs(value) > BALANCE_LIMIT:
            raise DomainError(
                f"Invoice {invoice.display_no} cannot record this: its "
                f"{field.replace('_', ' ')} would exceed what the ledger can hold. Use another "
                "invoice."
            )
    # The caller locked `invoice` in this transaction, so its cached outstanding is current.
    record_outstanding(invoice, balances.outstanding - invoice.outstanding)
    for field, value in balances.as_fields().items():
        setattr(invoice, field, value)
    invoice.save(update_fields=list(balances.as_fields()))
    return invoice


# --- preview hooks (core.preview; no-ops costing nothing outside a preview or confirm) ----------


class PreviewNotes:
    """What a preview needs from the ledger: the operations of the run (every ledger row
    points at one) and each invoice's balances before this run first changed them."""

    def __init__(self) -> None:
        self.operations: list[int] = []
        self.before: dict[int, dict] = {}


def _preview_note_operation(op: Operation) -> None:
    capture = preview.active()
    if capture is not None:
        capture.notes("invoicing", PreviewNotes).operations.append(op.pk)


def _preview_note_before(invoice: Invoice) -> None:
    capture = preview.active()
    if capture is None:
        return
    notes = capture.notes("invoicing", PreviewNotes)
    if invoice.pk not in notes.before:
        # The caller locked `invoice` in this transaction, so its cached balances are current.
        notes.before[invoice.pk] = {
            "total": invoice.gross_total,
            "credited": invoice.credited_total,
            "paid": invoice.paid_total - invoice.refunded_total,
            "outstanding": invoice.outstanding,
            "overpayment": invoice.overpayment,
            "status": invoice.status,
        }


def held_by_payment(invoice: Invoice) -> dict[int, Decimal]:
    """Per payment: allocated to this invoice minus counting refunds from it (P_p(I) - R_p(I))."""
    held: dict[int, Decimal] = {}
    for row in (
        Allocation.objects.filter(invoice=invoice).values("payment").annotate(s=Sum("amount"))
    ):
        held[row["payment"]] = held.get(row["payment"], ZERO) + row["s"]
    for row in (
        Refund.objects.filter(invoice=invoice, state__in=Refund.COUNTING)
        .values("payment")
        .annotate(s=Sum("amount"))
    ):
        held[row["payment"]] = held.get(row["payment"], ZERO) - row["s"]
    return {pid: q(v) for pid, v in held.items() if v > 0}


# --- input checks -------------------------------------------------------------------------------


def exact_amount(
    value: Decimal | str | int | None, *, label: str = "Amount", field: str | None = "amount"
) -> Decimal:
    """An amount from outside, as given: Decimal, str or int (never a float, whose value is
    not the one typed, nor a bool), finite, 2 decimal places at most, and within
    MAX_AMOUNT either way. Its sign is the caller's rule."""
    if isinstance(value, float):
        raise DomainError(f"{label} must be an exact amount, not a float.", field=field)
    if isinstance(value, bool):
        raise DomainError(f"{label} must be an amount such as 120.00.", field=field)
    try:
        amount = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(f"{label} must be an amount such as 120.00.", field=field) from None
    if not amount.is_finite():
        raise DomainError(f"{label} must be an amount such as 120.00.", field=field)
    # The size first: rounding 1E+30 to pennies would overflow the decimal context.
    if abs(amount) > MAX_AMOUNT:
        raise DomainError(f"{label} cannot exceed {money_str(MAX_AMOUNT)}.", field=field)
    if q(amount) != amount:
        raise DomainError(f"{label} must have at most 2 decimal places.", field=field)
    return q(amount)


def money_in(
    value: Decimal | str | int | None, *, label: str = "Amount", field: str = "amount"
) -> Decimal:
    """An amount of money moving (a payment, refund, credit, charge): `exact_amount`, and
    greater than zero."""
    amount = exact_amount(value, label=label, field=field)
    if amount <= 0:
        raise DomainError(f"{label} must be greater than zero.", field=field)
    return amount


def require_reason(reason: str) -> str:
    # MAX_REASON, not MAX_TEXT: the seam prefixes the reason a booking service already bounded
    # ("Delegates cancelled: <reason>").
    reason = bounded((reason or "").strip(), label="Reason", field="reason", limit=MAX_REASON)
    if not reason:
        raise DomainError("Please give a reason.", field="reason")
    return reason


def party_snapshot(account: BillingAccount) -> dict:
    org, contact, family = account.organisation, account.contact, account.family
    if org is not None:
        return {
            "name": org.name,
            "address": org.billing_address,
            "email": org.billing_email,
            "kind": "organisation",
        }
    if contact is not None:
        return {"name": contact.full_name, "address": "", "email": contact.email, "kind": "contact"}
    return {"name": family.name, "address": "", "email": family.account_email, "kind": "family"}


def seller_snapshot() -> dict:
    return dict(settings.SELLER)


def ids(objs: Iterable) -> list[int]:
    return [o.pk for o in objs]
