"""The transaction of a service call, shared by the services it calls.

A booking calls the ledger (`invoice_issue`), which calls the audit log and the outbox. Each
of them is also a service of its own and must run in one transaction when called alone, but a
savepoint per inner call would cost two round trips each (SAVEPOINT / RELEASE) and buy
nothing: no service catches another service's error to carry on, so an error anywhere rolls
back the outermost service as a whole.

`service_atomic()` therefore opens `transaction.atomic()` (a savepoint when the caller is
already in a transaction, e.g. a test) for the outermost service only; services called inside
it join with `atomic(savepoint=False)`. The state it keeps lives exactly as long as that
outermost block:

- the rows locked so far (`remember_lock` / `locked`), so a service called by another one
  does not lock (and re-read) a row its caller has just locked;
- the audit rows, written together in one INSERT when the block ends (`defer_audit`).

Both are only used while no savepoint was opened inside the block (`_clean()`): rows locked or
written inside a savepoint that might roll back are not remembered.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction


def _savepoints() -> int:
    return sum(1 for sid in connection.savepoint_ids if sid)


@dataclass
class ServiceTransaction:
    savepoints: int  # real savepoints open when the block started
    locks: dict[tuple[type, Any], models.Model] = field(default_factory=dict)
    audit: list[models.Model] = field(default_factory=list)

    def _clean(self) -> bool:
        return _savepoints() == self.savepoints

    def flush(self) -> None:
        if self.audit:
            rows, self.audit = self.audit, []
            type(rows[0]).objects.bulk_create(rows)


_current: ContextVar[ServiceTransaction | None] = ContextVar("service_transaction", default=None)


@contextmanager
def service_atomic() -> Iterator[ServiceTransaction]:
    """`transaction.atomic()` for a service: see the module docstring."""
    current = _current.get()
    if current is not None and connection.in_atomic_block:
        with transaction.atomic(savepoint=False):
            yield current
        return
    with transaction.atomic():
        state = ServiceTransaction(savepoints=_savepoints())
        token = _current.set(state)
        try:
            yield state
            state.flush()
        finally:
            _current.reset(token)


def remember_lock(obj: models.Model) -> None:
    """`obj` was just locked (select_for_update) in the current service transaction."""
    state = _current.get()
    if state is not None and state._clean():
        state.locks[(type(obj), obj.pk)] = obj


def locked(model: type[models.Model], pk: Any) -> models.Model | None:
    """The row of `model` this service transaction has locked already, if any."""
    state = _current.get()
    if state is None or not state._clean():
        return None
    return state.locks.get((model, pk))


def defer_audit(row: models.Model) -> bool:
    """Keep an unsaved audit row to write with the others at the end of the service
    transaction; False when there is none (or a savepoint is open), so write it now."""
    state = _current.get()
    if state is None or not state._clean() or not connection.in_atomic_block:
        return False
    state.audit.append(row)
    return True
