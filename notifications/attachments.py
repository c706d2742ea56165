"""Attachment kinds: an email stores `(kind, object_id)` pairs, the file is made at send time.

Storing a reference rather than the bytes keeps the outbox small and means the PDF is rendered
by the worker, after commit, never inside the caller's transaction. An app registers its kinds
once, e.g. in its AppConfig.ready():

    from notifications.attachments import register
    register("invoice_pdf", invoice_pdf_attachment)   # fn(object_id) -> (filename, bytes, mime)
"""

from collections.abc import Callable

Attachment = tuple[str, bytes, str]
Resolver = Callable[[int], Attachment]

_REGISTRY: dict[str, Resolver] = {}


def register(kind: str, fn: Resolver | None = None):
    """Register `fn(object_id) -> (filename, content, mimetype)` for `kind`.

    Usable directly (`register("invoice_pdf", fn)`) or as a decorator (`@register("x")`).
    Registering the same function again is harmless; another function for a taken kind is a
    programming error.
    """

    def decorator(func: Resolver) -> Resolver:
        existing = _REGISTRY.get(kind)
        if existing is not None and existing is not func:
            raise ValueError(f"attachment kind {kind!r} is already registered")
        _REGISTRY[kind] = func
        return func

    return decorator(fn) if fn is not None else decorator


def is_registered(kind: str) -> bool:
    return kind in _REGISTRY


def kinds() -> list[str]:
    return sorted(_REGISTRY)


def resolve(kind: str, object_id: int) -> Attachment:
    """Make the attachment now. Raises LookupError for an unknown kind."""
    try:
        fn = _REGISTRY[kind]
    except KeyError:
        raise LookupError(f"no attachment kind {kind!r} is registered") from None
    filename, content, mimetype = fn(object_id)
    if isinstance(content, str):
        content = content.encode()
    return filename, content, mimetype
