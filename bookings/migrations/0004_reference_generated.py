"""Booking.reference becomes a stored generated column ("BK" + the id on 6 digits at least).

Every reference so far was written as f"BK{pk:06d}" right after the insert, so the computed
values are the ones stored. A column cannot be altered into a generated one: it is dropped
and added again (PostgreSQL rewrites the table once; the unique index is rebuilt).
"""

from django.db import migrations, models
from django.db.models import Case, Value, When
from django.db.models.functions import Cast, Concat, Right


def reference_sql():
    digits = Cast("id", models.CharField(max_length=20))
    return Concat(
        Value("BK"),
        Case(
            When(id__lt=1_000_000, then=Right(Concat(Value("000000"), digits), 6)),
            default=digits,
        ),
        output_field=models.CharField(max_length=20),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_place_contact_index_only"),
    ]

    operations = [
        migrations.RemoveField(model_name="booking", name="reference"),
        migrations.AddField(
            model_name="booking",
            name="reference",
            field=models.GeneratedField(
                expression=reference_sql(),
                output_field=models.CharField(max_length=20),
                db_persist=True,
                unique=True,
            ),
        ),
    ]
