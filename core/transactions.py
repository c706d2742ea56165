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
- the rows nobody reads back before commit (history, revenue entries, outbox links,
  attendance rows: `insert_later`), written when the block ends, all of them in one
  statement on PostgreSQL (one INSERT per table, joined as data-modifying CTEs), one INSERT
  per table elsewhere. Their `pk` stays None.

Both are only used while no savepoint was opened inside the block (`_clean()`): rows locked or
written inside a savepoint that might roll back are not remembered but written at once.
Whoever calls `insert_later` promises that no code in the same service transaction reads
those rows back (they are not in the table before the block ends).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, models, transaction
from django.db.models import AutoField
from django.db.models.sql import InsertQuery


def _savepoints() -> int:
    return sum(1 for sid in connection.savepoint_ids if sid)


@dataclass
class ServiceTransaction:
    savepoints: int  # real savepoints open when the block started
    locks: dict[tuple[type, Any], models.Model] = field(default_factory=dict)
    pending: dict[type[models.Model], list[models.Model]] = field(default_factory=dict)

    def _clean(self) -> bool:
        return _savepoints() == self.savepoints

    def flush(self) -> None:
        pending, self.pending = self.pending, {}
        if not pending:
            return
        if connection.vendor != "postgresql" or len(pending) == 1:
            for model, rows in pending.items():
                model._default_manager.bulk_create(rows)
            return
        statements = [_insert_sql(model, rows) for model, rows in pending.items()]
        *first, (last_sql, last_params) = statements
        sql = "WITH " + ", ".join(f"w{i} AS ({s})" for i, (s, _) in enumerate(first))
        params: list = [p for _, ps in first for p in ps]
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} {last_sql}", [*params, *last_params])
        for rows in pending.values():
            for row in rows:
                row._state.adding, row._state.db = False, DEFAULT_DB_ALIAS


def _insert_sql(model: type[models.Model], rows: list[models.Model]) -> tuple[str, tuple]:
    """The multi-row INSERT `bulk_create` would run for `rows` (no RETURNING)."""
    model._default_manager.all()._prepare_for_bulk_create(rows)
    fields = [
        f for f in model._meta.concrete_fields if not f.generated and not isinstance(f, AutoField)
    ]
    query = InsertQuery(model)
    query.insert_values(fields, rows)
    ((sql, params),) = query.get_compiler(using=DEFAULT_DB_ALIAS).as_sql()
    return sql, tuple(params)


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


def insert_later(rows: list[models.Model]) -> None:
    """Insert these new rows (of one model, without pk) when the service transaction ends,
    with the others (see the module docstring); at once outside one."""
    if not rows:
        return
    state = _current.get()
    if state is None or not state._clean() or not connection.in_atomic_block:
        type(rows[0])._default_manager.bulk_create(rows)
        return
    if any(row.pk is not None for row in rows):
        raise ValueError("insert_later() takes new rows without a primary key")
    state.pending.setdefault(type(rows[0]), []).extend(rows)
