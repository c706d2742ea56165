class DomainError(Exception):
    """A business rule refused the action. The message is shown to the user as is.

    Services raise it before (or instead of) changing anything; since every service runs in
    one transaction, raising it also rolls back whatever was written.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message
