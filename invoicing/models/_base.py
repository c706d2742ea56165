"""Append-only rows: the ledger's immutability in Python (triggers do it in PostgreSQL)."""

from decimal import Decimal

from django.db import models

ZERO = Decimal("0.00")


class LedgerImmutableError(Exception):
    """A programming error: something tried to change or delete a ledger row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerImmutableError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise LedgerImmutableError(f"{self.model.__name__} rows are never deleted")


class AppendOnlyModel(models.Model):
    """Insert once; never update or delete (pretix's invoice pattern)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise LedgerImmutableError(f"{type(self).__name__} {self.pk} cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError(f"{type(self).__name__} rows are never deleted")
