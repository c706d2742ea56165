"""The ledger's models: documents (Invoice, CreditNote) say what is owed, money rows
(Payment, Refund) say what cash moved, Allocation rows say which invoice the cash is
attributed to.

Every row is written by `invoicing.services` only. Issued documents and money rows are
immutable and never deleted (see ../shared/LEDGER.md 2.8): `save()` of an existing row and
`delete()` refuse here, and database triggers (migrations 0002 and 0006, PostgreSQL and SQLite)
refuse the same. The one exception is the invoice's cached balances (`BALANCE_FIELDS`),
rewritten by the services in the same transaction as the rows they are derived from, and only
to what those rows derive (a trigger recomputes them; `ledger_verify` checks them nightly).
"""

from ._base import (  # noqa: F401
    ZERO,
    AppendOnlyModel,
    AppendOnlyQuerySet,
    LedgerImmutableError,
)
from .accounts import (  # noqa: F401
    BillingAccount,
    DocumentSequence,
    Operation,
)
from .documents import (  # noqa: F401
    BALANCE_FIELDS,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceQuerySet,
    InvoiceStatus,
)
from .money import (  # noqa: F401
    REFUND_STATES,
    Allocation,
    Payment,
    Refund,
    RefundQuerySet,
    RefundState,
)
from .stored import (  # noqa: F401
    SHARE,
    LedgerCheck,
    RevenueEntry,
    RevenueTotal,
    StoredPdf,
)
