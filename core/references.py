"""Document references computed by the database from the primary key ("BK000123")."""

from django.db import models
from django.db.models import Case, Value, When
from django.db.models.functions import Cast, Concat, Right


def prefixed_reference(prefix: str | models.Expression) -> models.Expression:
    """`prefix` + the primary key on 6 digits at least (BK000123, BK1234567): the expression of
    a stored generated column, so the INSERT returns the reference with the row."""
    digits = Cast("id", models.CharField(max_length=20))
    padded = Case(
        When(id__lt=1_000_000, then=Right(Concat(Value("000000"), digits), 6)),
        default=digits,
    )
    prefix = Value(prefix) if isinstance(prefix, str) else prefix
    return Concat(prefix, padded, output_field=models.CharField(max_length=20))
