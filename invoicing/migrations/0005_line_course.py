"""Invoice lines record the course they earn revenue for, so the revenue figures never read
bookings. Existing lines of a delegate place take the course of the place's schedule (the
figures already attributed them so); other lines stay without a course, as before."""

import django.db.models.deletion
from django.db import migrations, models

BACKFILL = """
UPDATE invoicing_invoiceline SET course_id = (
    SELECT s.course_id FROM bookings_bookingplace p
    JOIN schedules_schedule s ON s.id = p.schedule_id
    WHERE p.id = invoicing_invoiceline.booking_place_id
) WHERE booking_place_id IS NOT NULL
"""


def backfill(apps, schema_editor):
    # Lines are append-only (a trigger refuses UPDATE on PostgreSQL): this one-off fill of
    # the new column lifts the guard for its own statement only.
    postgres = schema_editor.connection.vendor == "postgresql"
    trigger = "invoicing_invoiceline_append_only"
    with schema_editor.connection.cursor() as cursor:
        if postgres:
            cursor.execute(f"ALTER TABLE invoicing_invoiceline DISABLE TRIGGER {trigger}")
        cursor.execute(BACKFILL)
        if postgres:
            cursor.execute(f"ALTER TABLE invoicing_invoiceline ENABLE TRIGGER {trigger}")


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0004_revenue_figures"),
        ("schedules", "0001_initial"),
        ("bookings", "0003_place_contact_index_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoiceline",
            name="course",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="schedules.course",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="operation",
            name="kind",
            field=models.CharField(
                choices=[
                    ("issue", "Invoice issued"),
                    ("pay", "Payment recorded"),
                    ("credit", "Credit note issued"),
                    ("reallocate", "Payment reallocated"),
                    ("refund", "Refund"),
                    ("charge", "Charge invoiced"),
                    ("transfer", "Transfer"),
                    ("placeholder_part_cancel", "Placeholder part-cancel"),
                    ("placeholder_full_cancel", "Placeholder cancel"),
                    ("cancel", "Cancellation"),
                    ("discount", "Discount changed"),
                ],
                max_length=40,
            ),
        ),
    ]
