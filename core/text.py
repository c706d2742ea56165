"""Bounds of free text: notes, reasons, addresses, descriptions, email templates.

A text area has no natural end, and an unbounded one lets a paste of a few megabytes into
every page, PDF, email and history entry that shows it. Each form says so at once
(`core.forms.TextAreaField`); each service refuses the same with a `DomainError`
(`bounded`), whoever calls it.
"""

from core.errors import DomainError

MAX_TEXT = 10_000  # any free text a person types: notes, reasons, addresses, descriptions
MAX_TEMPLATE = 100_000  # an email template's body (an HTML body with inline styles runs long)


def too_long(label: str, limit: int, length: int) -> str:
    return f"{label} can be at most {limit:,} characters long (this is {length:,})."


def bounded(
    value: str | None, *, label: str, field: str | None = None, limit: int = MAX_TEXT
) -> str:
    """`value` ("" for None), or a DomainError naming `label` when it is longer than `limit`."""
    value = value or ""
    if len(value) > limit:
        raise DomainError(too_long(label, limit, len(value)), field=field)
    return value
