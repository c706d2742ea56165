"""Demo money: payments on the demo bookings' invoices, so the finance pages show every
status (Outstanding, Part Completed, Completed, overpaid and refunded). Through the ledger
services, like everything else."""

import random
from decimal import Decimal

from django.contrib.auth.models import User

from core.money import q

from .models import Invoice, Payment
from .services import payment_record, refund_issue
from .services.verify import ledger_verify


def seed(*, stdout=None) -> dict[str, int]:
    if Payment.objects.exists():
        return {}
    finance = User.objects.filter(username="finance").first()
    rng = random.Random(7)
    invoices = list(Invoice.objects.filter(outstanding__gt=0).order_by("issue_date", "pk"))
    counts = {"paid": 0, "part paid": 0, "overpaid": 0, "refunded": 0}
    for i, invoice in enumerate(invoices):
        roll = rng.random()
        method = rng.choice([Payment.Method.BANK_TRANSFER, Payment.Method.CARD])
        reference = f"DEMO-{invoice.display_no}"
        if roll < 0.45:
            payment_record(actor=finance, invoice=invoice, amount=invoice.outstanding,
                           method=method, reference=reference)  # fmt: skip
            counts["paid"] += 1
        elif roll < 0.65:
            part = q(invoice.outstanding * Decimal(rng.choice(["0.25", "0.5"])))
            payment_record(actor=finance, invoice=invoice, amount=part, method=method,
                           reference=reference)  # fmt: skip
            counts["part paid"] += 1
        elif roll < 0.72:
            payment_record(actor=finance, invoice=invoice, amount=invoice.outstanding + 20,
                           method=method, reference=reference)  # fmt: skip
            counts["overpaid"] += 1
            if i % 2:
                invoice.refresh_from_db()
                refund_issue(actor=finance, invoice=invoice, amount=Decimal("20.00"),
                             reason="Paid twice by mistake: difference returned")  # fmt: skip
                counts["refunded"] += 1
    if stdout is not None:
        stdout.write(
            "Demo payments: "
            + ", ".join(f"{n} invoices {what}" for what, n in counts.items())
            + ".\n"
        )
    # The first run of the nightly check, so the Outbox page's system checks start green.
    ledger_verify()
    return counts
