"""Documents: billing accounts, invoices, charge invoices (credit notes: credit_notes.py)."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import Contact, Family, Organisation
from core.audit import Actor, audit_record
from core.errors import DomainError
from core.money import MAX_AMOUNT, gross_split, money_str, q
from core.transactions import remember_lock

if TYPE_CHECKING:
    from bookings.models import Booking

from ..ledger import ZERO
from ..models import (
    BillingAccount,
    Invoice,
    InvoiceLine,
    Operation,
)
from . import revenue
from ._common import (
    INVOICE_SERIES,
    display_number,
    exact_amount,
    ledger_operation,
    lock_account,
    lock_invoices,
    money_in,
    next_number,
    party_snapshot,
    require_reason,
    seller_snapshot,
)

MAX_RATE = Decimal("1")
# Places on one line: far beyond any course, well inside the PositiveIntegerField column.
MAX_QUANTITY = 100_000


@dataclass(frozen=True)
class LineSpec:
    description: str
    unit_net: Decimal  # net, 2 dp
    vat_rate: Decimal  # fraction, e.g. Decimal("0.2000")
    quantity: int = 1
    kind: str = "course"  # InvoiceLine.Kind
    booking_place_id: int | None = None  # the delegate place this line bills
    course_id: int | None = None  # the course the line earns revenue for
    # A VAT-inclusive price for the whole line (e.g. "7 places for £1000.00"): net and VAT are
    # split from it once (net + VAT == line_gross) and unit_net is then ignored.
    line_gross: Decimal | None = None


# --- billing accounts ---------------------------------------------------------------------------


def billing_account_for(
    *,
    organisation: Organisation | None = None,
    contact: Contact | None = None,
    family: Family | None = None,
    lock: bool = False,
) -> BillingAccount:
    """The customer's billing account, created on first use (exactly one party); its name
    follows the party's.

    `lock=True` is for a service about to issue to this customer in its transaction (a
    booking): one statement creates or renames and locks the row (INSERT ... ON CONFLICT DO
    UPDATE ... RETURNING), with no read first and no savepoint for two first bookings of a
    customer meeting (the second waits for the first's row, then updates it). The ledger
    services of the same transaction then find it locked (`lock_account`) and its party
    attached (the object given here), so they read neither again.
    """
    given = [(k, v) for k, v in (("organisation", organisation), ("contact", contact),
                                 ("family", family)) if v is not None]  # fmt: skip
    if len(given) != 1:
        raise DomainError("Choose exactly one of organisation, contact or family to bill.")
    field, party = given[0]
    name = party.full_name if field == "contact" else party.name
    if lock:
        # (For an existing account, `created_at` on this instance is now, not its own.)
        account = BillingAccount(**{field: party}, name=name)
        BillingAccount.objects.bulk_create(
            [account], update_conflicts=True, unique_fields=[field], update_fields=["name"]
        )
        remember_lock(account)
        return account
    try:
        with transaction.atomic():
            account, created = BillingAccount.objects.get_or_create(
                **{field: party}, defaults={"name": name}
            )
    except IntegrityError:  # created by a concurrent request between our read and insert
        account = BillingAccount.objects.get(**{field: party})
        created = False
    if not created and account.name != name:
        BillingAccount.objects.filter(pk=account.pk).update(name=name)
        account.name = name
    return account


# --- invoices -----------------------------------------------------------------------------------


def _vat_rate(value, position: int) -> Decimal:
    message = f"Line {position}: the VAT rate must be a fraction such as 0.2000."
    if isinstance(value, float | bool):
        raise DomainError(message)
    try:
        rate = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(message) from None
    if not rate.is_finite() or not ZERO <= rate < MAX_RATE:
        raise DomainError(message)
    if rate.quantize(Decimal("0.0001")) != rate:
        raise DomainError(message)
    return rate


def _checked_lines(lines) -> list[dict]:
    specs = list(lines or ())
    if not specs:
        raise DomainError("An invoice needs at least one line.")
    kinds = set(InvoiceLine.Kind.values)
    out = []
    for position, spec in enumerate(specs, start=1):
        if not isinstance(spec, LineSpec):
            raise DomainError("Invoice lines must be LineSpec values.")
        description = (spec.description or "").strip()
        if not description:
            raise DomainError(f"Line {position} needs a description.")
        unit_net = exact_amount(spec.unit_net, label=f"Line {position}: the unit price", field=None)
        rate = _vat_rate(spec.vat_rate, position)
        quantity = spec.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            quantity = 0
        if not 1 <= quantity <= MAX_QUANTITY:
            raise DomainError(
                f"Line {position}: the quantity must be a whole number from 1 to {MAX_QUANTITY:,}."
            )
        if spec.kind not in kinds:
            raise DomainError(f"Line {position}: unknown line kind {spec.kind!r}.")
        line_gross = None
        if spec.line_gross is not None:
            line_gross = exact_amount(
                spec.line_gross, label=f"Line {position}: the package price", field=None
            )
        if spec.kind != InvoiceLine.Kind.DISCOUNT and min(unit_net, line_gross or ZERO) < 0:
            raise DomainError(f"Line {position}: only a discount line can be negative.")
        if line_gross is not None:
            net, vat = gross_split(line_gross, rate)
            unit_net = q(net / quantity)
        else:
            net = q(unit_net * quantity)
            vat = q(net * rate)  # VAT per line, then summed (HMRC VAT Notice 700 17.5)
        if abs(net + vat) > MAX_AMOUNT:
            raise DomainError(
                f"Line {position}: the line total cannot exceed {money_str(MAX_AMOUNT)}."
            )
        out.append(
            {
                "position": position,
                "kind": spec.kind,
                "description": description[:300],
                "quantity": quantity,
                "unit_net": q(unit_net),
                "net": net,
                "vat_rate": rate,
                "vat": vat,
                "gross": net + vat,
                "booking_place_id": spec.booking_place_id,
                "course_id": spec.course_id,
            }
        )
    return out


def _issue(
    *,
    actor: Actor,
    account: BillingAccount,
    lines: Sequence[LineSpec],
    booking,
    po_number: str,
    due_date: datetime.date | None,
    kind: str,
    supersedes: Invoice | None,
    charge_for: Invoice | None,
    reason: str,
    allow_zero: bool = False,
) -> Invoice:
    rows = _checked_lines(lines)
    if kind not in Invoice.Kind.values:
        raise DomainError(f"Unknown invoice kind {kind!r}.")
    net_total = sum((r["net"] for r in rows), ZERO)
    vat_total = sum((r["vat"] for r in rows), ZERO)
    gross_total = net_total + vat_total
    if gross_total < 0:
        raise DomainError("An invoice total cannot be negative.")
    if gross_total == 0 and not allow_zero:
        raise DomainError("An invoice total cannot be zero: there is nothing to bill.")
    if max(abs(net_total), abs(vat_total), gross_total) > MAX_AMOUNT:
        raise DomainError(f"An invoice total cannot exceed {money_str(MAX_AMOUNT)}.")
    po_number = (po_number or "").strip()
    if len(po_number) > 100:
        raise DomainError("The purchase order number is too long (100 characters at most).")
    today = timezone.localdate()
    if due_date is None:
        due_date = today + datetime.timedelta(days=settings.INVOICE_PAYMENT_TERMS_DAYS)
    if due_date < today:
        raise DomainError("The due date cannot be before the issue date.")
    for other in (supersedes, charge_for):
        if other is not None and other.account_id != account.pk:
            raise DomainError("The related invoice belongs to another customer.")

    with ledger_operation(
        kind=Operation.Kind.CHARGE if kind == Invoice.Kind.CHARGE else Operation.Kind.ISSUE,
        actor=actor,
        reason=reason,
    ) as op:
        account = lock_account(account.pk)
        buyer = party_snapshot(account)
        number = next_number(INVOICE_SERIES)  # last step before the insert: short lock window
        invoice = Invoice(
            account=account,
            operation=op,
            kind=kind,
            series=INVOICE_SERIES,
            number=number,
            display_no=display_number(INVOICE_SERIES, number),
            issue_date=today,
            tax_point=today,
            due_date=due_date,
            po_number=po_number,
            booking=booking,
            supersedes=supersedes,
            charge_for=charge_for,
            bill_to_name=buyer["name"][:200],
            seller=seller_snapshot(),
            buyer=buyer,
            net_total=net_total,
            vat_total=vat_total,
            gross_total=gross_total,
            outstanding=gross_total,
            status=Invoice.Status.OUTSTANDING if gross_total > 0 else Invoice.Status.COMPLETED,
        )
        invoice.save()
        InvoiceLine.objects.bulk_create(InvoiceLine(invoice=invoice, **r) for r in rows)
        revenue.record_issue(invoice, rows)
        audit_record(
            actor=actor,
            target=invoice,
            action="invoice.issued",
            summary=f"{invoice.get_kind_display()} {invoice.display_no} issued to "
            f"{invoice.bill_to_name} for {money_str(gross_total)}",
            reason=reason,
            data={"operation": op.pk, "gross": str(gross_total)},
        )
    return invoice


def invoice_issue(
    *,
    actor: Actor,
    account: BillingAccount,
    lines: Sequence[LineSpec],
    booking: "Booking | None" = None,
    po_number: str = "",
    due_date: datetime.date | None = None,
    kind: str = "standard",
    supersedes: Invoice | None = None,
    reason: str = "",
    allow_zero: bool = False,
) -> Invoice:
    """Issue a numbered invoice with its lines (VAT per line, totals summed). An invoice
    totalling 0.00 is refused unless `allow_zero` (e.g. a free course billed for the record)."""
    return _issue(
        actor=actor,
        account=account,
        lines=lines,
        booking=booking,
        po_number=po_number,
        due_date=due_date,
        kind=kind,
        supersedes=supersedes,
        charge_for=None,
        reason=reason,
        allow_zero=allow_zero,
    )


# --- charge invoices ----------------------------------------------------------------------------


def charge_invoice_issue(
    *,
    actor: Actor,
    original: Invoice,
    amount_net: Decimal,
    vat_rate: Decimal,
    description: str,
    reason: str,
    pay_from_original: bool = True,
    course_id: int | None = None,
) -> Invoice:
    """Invoice a cancellation charge for `original`'s customer; with `pay_from_original`, move
    what `original` holds beyond its own due (its overpayment) onto the charge, up to its total.
    Refunding anything left over is the caller's decision (`refund_issue`)."""
    from .money import payment_reallocate

    reason = require_reason(reason)
    amount_net = money_in(amount_net, label="Charge", field="amount_net")
    with ledger_operation(kind=Operation.Kind.CHARGE, actor=actor, reason=reason):
        lock_account(original.account_id)
        original = lock_invoices(original.pk)[original.pk]
        charge = _issue(
            actor=actor,
            account=original.account,
            lines=[
                LineSpec(
                    description=description,
                    unit_net=amount_net,
                    vat_rate=vat_rate,
                    kind=InvoiceLine.Kind.CANCELLATION_CHARGE,
                    course_id=course_id,
                )
            ],
            booking=original.booking,
            po_number=original.po_number,
            due_date=None,
            kind=Invoice.Kind.CHARGE,
            supersedes=None,
            charge_for=original,
            reason=reason,
        )
        if pay_from_original:
            moving = min(original.overpayment, charge.gross_total)
            if moving > 0:
                payment_reallocate(
                    actor=actor, source=original, target=charge, amount=moving, reason=reason
                )
                charge.refresh_from_db()
    return charge
