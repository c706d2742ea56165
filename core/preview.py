"""Previews of money changes, computed by the code that then makes them (SPEC 10).

`preview_run(fn)` runs the real service `fn` inside a transaction while a capture is active,
turns what it wrote into a `Plan` and rolls everything back: no row, no number, no email is
left behind. Confirm calls `preview_run(fn, fingerprint=...)` with the fingerprint of the plan
the user saw: the service runs again for real, its plan is fingerprinted the same way, and the
transaction commits only if the two agree. Otherwise (someone paid meanwhile, a second click)
it rolls back and the caller shows the new plan, which came from that very run.

What a plan holds is fed by hooks in the services, each a no-op costing no SQL while no
capture is active (the booking path's query count matters):
  * `core.audit.audit_record` -> `history`
  * `notifications.services.email_queue` -> `emails`
  * the ledger (invoicing) keeps its own notes via `capture.notes(...)` and contributes
    documents, payments, allocations, refunds and balances through a collector registered with
    `register_collector` (core never imports invoicing).

Numbers are provisional in a preview (the next free number now, given back by the rollback).
The fingerprint is a sha256 of the plan's canonical JSON in which every provisional number is
replaced by a stable alias ("new invoice 1"), so an unrelated invoice issued meanwhile does
not make a confirm stale, while any change to amounts, balances, emails or history does.
"""

import dataclasses
import datetime
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models, transaction

T = TypeVar("T")

# --- the plan -------------------------------------------------------------------------------------


@dataclass
class Line:
    description: str
    quantity: int
    unit_net: Decimal | None  # None: a credit by value has no unit price
    net: Decimal
    vat_rate: Decimal  # fraction, 0.2000 = 20 %
    vat: Decimal
    gross: Decimal

    @property
    def vat_percent(self) -> Decimal:
        return (self.vat_rate * 100).normalize()


@dataclass
class Document:
    """An invoice or credit note the action issues."""

    kind: str  # "Invoice", "Charge invoice", "Credit note", ...
    number: str
    provisional: bool
    bill_to: str
    issue_date: datetime.date
    refers_to: str  # credit note: the invoice credited; charge: the invoice charged for
    note: str  # method or reason, as printed
    lines: list[Line]
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal


@dataclass
class MoneyIn:
    number: str
    received_on: datetime.date
    method: str
    reference: str
    amount: Decimal


@dataclass
class Allocation:
    payment: str
    from_invoice: str  # "" = money received now
    to_invoice: str  # "" = taken off without a destination
    amount: Decimal


@dataclass
class MoneyOut:
    number: str
    payment: str
    invoice: str
    state: str
    amount: Decimal


@dataclass
class Balance:
    total: Decimal
    credited: Decimal
    paid: Decimal  # money held: allocations minus refunds
    outstanding: Decimal
    overpayment: Decimal
    status: str


@dataclass
class BalanceChange:
    invoice: str
    provisional: bool
    before: Balance | None  # None: issued by this action
    after: Balance


@dataclass
class Email:
    to: list[str]
    subject: str


@dataclass
class HistoryEntry:
    about: str
    summary: str
    reason: str


@dataclass
class Plan:
    documents: list[Document] = field(default_factory=list)
    payments: list[MoneyIn] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    refunds: list[MoneyOut] = field(default_factory=list)
    balances: list[BalanceChange] = field(default_factory=list)
    emails: list[Email] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    # provisional display number -> alias used by the fingerprint ("new invoice 1")
    provisional: dict[str, str] = field(default_factory=dict)

    def mark_provisional(self, number: str, kind: str) -> None:
        """Record a number that exists only because of this run (an id or the next number
        of a series): the fingerprint uses the alias instead, wherever the number appears."""
        if number not in self.provisional:
            same = sum(1 for a in self.provisional.values() if a.startswith(f"new {kind} "))
            self.provisional[number] = f"new {kind} {same + 1}"

    @property
    def is_empty(self) -> bool:
        return not any(
            (self.documents, self.payments, self.allocations, self.refunds, self.balances)
        ) and not (self.emails or self.history)

    def canonical(self) -> str:
        """The plan as canonical JSON, provisional numbers replaced by their aliases."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data.pop("provisional")
        text = json.dumps(_plain(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        if self.provisional:
            # Longest first and whole tokens only, so PAY-12 never rewrites part of PAY-123.
            numbers = sorted(self.provisional, key=len, reverse=True)
            pattern = re.compile(
                r"(?<![\w-])(" + "|".join(re.escape(n) for n in numbers) + r")(?![\w])"
            )
            text = pattern.sub(lambda m: self.provisional[m.group(1)], text)
        return text

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.canonical().encode()).hexdigest()


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# --- the capture ----------------------------------------------------------------------------------


class Capture:
    """What the hooks saw during one run."""

    def __init__(self) -> None:
        self.emails: list[Email] = []
        self.history: list[HistoryEntry] = []
        self._notes: dict[str, Any] = {}

    def notes(self, key: str, factory: Callable[[], T]) -> T:
        """A contributor's own scratch state for this run (created on first use)."""
        if key not in self._notes:
            self._notes[key] = factory()
        return self._notes[key]

    def peek(self, key: str) -> Any:
        return self._notes.get(key)


_capture: ContextVar[Capture | None] = ContextVar("preview_capture", default=None)
_collectors: list[Callable[[Capture, Plan], None]] = []


def active() -> Capture | None:
    """The capture of the run in progress, or None (then every hook returns at once)."""
    return _capture.get()


def register_collector(fn: Callable[[Capture, Plan], None]) -> None:
    """Let an app add its section to every plan (called from its AppConfig.ready())."""
    if fn not in _collectors:
        _collectors.append(fn)


def note_history(*, target: models.Model, summary: str, reason: str) -> None:
    capture = _capture.get()
    if capture is None:
        return
    name = str(target._meta.verbose_name)
    capture.history.append(
        HistoryEntry(about=f"{name[:1].upper()}{name[1:]} {target}", summary=summary, reason=reason)
    )


def note_email(*, to: list[str], subject: str) -> None:
    capture = _capture.get()
    if capture is None:
        return
    capture.emails.append(Email(to=list(to), subject=subject))


@contextmanager
def capturing() -> Iterator[Capture]:
    capture = Capture()
    token = _capture.set(capture)
    try:
        yield capture
    finally:
        _capture.reset(token)


def build_plan(capture: Capture) -> Plan:
    """Read what the run wrote (call inside its transaction, before the rollback)."""
    plan = Plan(emails=list(capture.emails), history=list(capture.history))
    for collect in _collectors:
        collect(capture, plan)
    return plan


# --- running --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    plan: Plan
    committed: bool  # True only for a confirm whose outcome matched the preview
    stale: bool  # a confirm refused because the outcome differs from the preview
    result: Any = None  # what `fn` returned, only when committed (rolled-back rows are gone)


class _RollBack(Exception):
    pass


def preview_run(fn: Callable[[], Any], *, fingerprint: str | None) -> Outcome:
    """Run `fn` (a service call) and describe what it wrote.

    fingerprint None: a preview, always rolled back. Otherwise a confirm: committed when the
    outcome's fingerprint equals `fingerprint`, else rolled back and returned as stale with
    the new plan. A DomainError from `fn` propagates (nothing is written).
    """
    with capturing() as capture:
        try:
            with transaction.atomic():
                result = fn()
                plan = build_plan(capture)
                same = fingerprint is not None and hmac.compare_digest(
                    plan.fingerprint.encode(), fingerprint.encode()
                )
                if not same:
                    # Raised, not set_rollback(): leaving the block by an exception also
                    # drops the on_commit callbacks (queued emails) registered inside it.
                    raise _RollBack
        except _RollBack:
            return Outcome(plan=plan, committed=False, stale=fingerprint is not None)
    return Outcome(plan=plan, committed=True, stale=False, result=result)
