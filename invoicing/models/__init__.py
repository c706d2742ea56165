"""The ledger's models: documents (Invoice, CreditNote) say what is owed, money rows
(Payment, Refund) say what cash moved, Allocation rows say which invoice the cash is
attributed to.

Every row is written by `invoicing.services` only. Issued documents and money rows are
immutable and never deleted (see ../shared/LEDGER.md 2.8): `save()` of an existing row and
`delete()` refuse here, and PostgreSQL triggers (migration 0002) refuse the same at the database.
The one exception is the invoice's cached balances (`BALANCE_FIELDS`), rewritten by the services
in the same transaction as the rows they are derived from.
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
    RevenueEntry,
    RevenueTotal,
    StoredPdf,
)
