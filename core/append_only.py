"""Rows that are inserted once and never changed or deleted: the Python side of the guards.

The database refuses the same with triggers (PostgreSQL and SQLite, see
`core.migration_ops`); these guards only make a mistake in Python fail early, with a clear
error, instead of at the database.
"""

from django.db import models


class ImmutableRowError(Exception):
    """A programming error: something tried to change or delete an append-only row."""


class AppendOnlyQuerySet(models.QuerySet):
    error_class: type[Exception] = ImmutableRowError

    def update(self, **kwargs):
        raise self.error_class(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise self.error_class(f"{self.model.__name__} rows are never deleted")


class AppendOnlyModel(models.Model):
    """Insert once; never update or delete (pretix's invoice pattern)."""

    error_class: type[Exception] = ImmutableRowError

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise self.error_class(f"{type(self).__name__} {self.pk} cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.error_class(f"{type(self).__name__} rows are never deleted")
