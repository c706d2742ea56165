"""Append-only rows: the ledger's immutability in Python (triggers do it in the database)."""

from decimal import Decimal

from core import append_only

ZERO = Decimal("0.00")


class LedgerImmutableError(append_only.ImmutableRowError):
    """A programming error: something tried to change or delete a ledger row."""


class AppendOnlyQuerySet(append_only.AppendOnlyQuerySet):
    error_class = LedgerImmutableError


class AppendOnlyModel(append_only.AppendOnlyModel):
    """Insert once; never update or delete (pretix's invoice pattern)."""

    error_class = LedgerImmutableError

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
