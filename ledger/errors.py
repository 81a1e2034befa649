"""The refusals the ledger gives: each one's ``str()`` is the Chinese line a user reads."""

from __future__ import annotations


class LedgerError(Exception):
    """A refusal the user should read; ``str(error)`` is the Chinese message."""


class PermissionDenied(LedgerError):
    pass


class NotFound(LedgerError):
    pass


class StaleEdit(LedgerError):
    """The record changed since it was opened; nothing was written."""


class WorkflowError(LedgerError):
    pass


class AuthError(LedgerError):
    pass


class LoginThrottled(AuthError):
    def __init__(self, message: str, seconds: int) -> None:
        super().__init__(message)
        self.seconds = seconds


class InvalidReception(LedgerError):
    """Field-level problems: ``problems`` maps a Reception field name to its message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("；".join(problems.values()))
        self.problems = problems


class ImportCancelled(LedgerError):
    pass


class ChangedElsewhere(InvalidReception):
    """Another desk changed a field this desk changes too, to another value, since this desk
    read it; nothing was written. ``problems`` says at each such field what it holds now;
    ``current`` is the record as stored (the face shows it and lets the user decide)."""

    def __init__(self, problems: dict[str, str], current: object) -> None:
        super().__init__(problems)
        self.current = current
