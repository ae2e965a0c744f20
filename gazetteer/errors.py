"""One exception hierarchy for the gazetteer.

Every error carries a message that is safe to show to a user (in Chinese with English
where it helps). The API maps these classes to HTTP statuses in one table
(``api/errors.py``); the CLI prints the message and exits non-zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class GazetteerError(Exception):
    """Base class: ``message`` is safe to show; ``details`` is JSON-serialisable."""

    code = "error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(GazetteerError):
    """A requested record does not exist."""

    code = "not_found"


class InvalidInput(GazetteerError):
    """The request or file is malformed or out of range."""

    code = "invalid_input"


class Conflict(GazetteerError):
    """The change conflicts with stored data (duplicate, concurrent approval, wrong state)."""

    code = "conflict"

    def __init__(
        self, message: str, *, details: Any = None, conflicts: Sequence[str | int] = ()
    ) -> None:
        super().__init__(message, details=details)
        self.conflicts = list(conflicts)


class AppendOnlyViolation(Conflict):
    """A change to a record the database keeps append-only (the naming audit log, the
    place-name history, the facility history).

    Normal operation never raises it: only a bug or foreign SQL tries to change them.
    """

    code = "append_only"


class NotAuthenticated(GazetteerError):
    """No valid credentials were given."""

    code = "not_authenticated"


class PermissionDenied(GazetteerError):
    """The user is known but may not do this."""

    code = "permission_denied"


class ImportFailed(InvalidInput):
    """A file could not be imported; ``details`` lists the row errors."""

    code = "import_failed"


class StorageUnavailable(GazetteerError):
    """The database or a spatial extension cannot be used (with what to install)."""

    code = "storage_unavailable"


class DatabaseUnavailable(StorageUnavailable):
    """The database server does not answer (down, restarting, unreachable): retry later.

    Nothing is half-written: a write transaction that loses its server is rolled back by
    PostgreSQL."""

    code = "database_unavailable"

    def __init__(self, message: str, *, details: Any = None, retry_after_s: int = 5) -> None:
        super().__init__(message, details=details)
        self.retry_after_s = retry_after_s


class Busy(GazetteerError):
    """A bounded wait ran out (a database lock, the pool, the heavy-work queue): retry later."""

    code = "busy"

    def __init__(self, message: str, *, details: Any = None, retry_after_s: int = 5) -> None:
        super().__init__(message, details=details)
        self.retry_after_s = retry_after_s


class TooLarge(InvalidInput):
    """A request body or upload larger than the configured limit."""

    code = "too_large"


class RateLimited(GazetteerError):
    """Too many heavy requests from one client in a short time."""

    code = "rate_limited"

    def __init__(self, message: str, *, details: Any = None, retry_after_s: int = 60) -> None:
        super().__init__(message, details=details)
        self.retry_after_s = retry_after_s
