"""A database too busy to take a write: the one failure a user can fix by trying again.

On SQLite one connection writes at a time; the others wait up to the busy timeout
(``FUGONG_DB_BUSY_TIMEOUT``) and then get "database is locked". On PostgreSQL the same family
is a lock timeout, a serialization failure or a deadlock. Pages answer 503 with a sentence
(``fugong.core.views.error_500``), the API ``{"code": "busy", ...}`` (``fugong.core.api``),
the command line a message without a traceback, and a background job fails with a sentence
and can be started again. Nothing is half-written: the write that failed was in a transaction.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

# SQLite's messages for SQLITE_BUSY and SQLITE_LOCKED.
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
# PostgreSQL: lock_not_available, serialization_failure, deadlock_detected.
_POSTGRES_BUSY = {"55P03", "40001", "40P01"}

RETRY_AFTER_SECONDS = 5


def is_database_busy(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an exception it was raised from or during, is the database being
    too busy (SQLite locked, PostgreSQL lock timeout, serialization failure, deadlock)."""
    from django.db import DatabaseError

    seen = 0
    while exc is not None and seen < 10:
        seen += 1
        sqlstate = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if sqlstate in _POSTGRES_BUSY:
            return True
        if isinstance(exc, DatabaseError) or type(exc).__module__ in ("sqlite3",):
            text = str(exc).lower()
            if any(marker in text for marker in _SQLITE_BUSY):
                return True
        exc = exc.__cause__ or exc.__context__
    return False


def busy_message() -> str:
    return _(
        "The system is busy and could not save this just now; please try again in a moment. "
        "Nothing already saved is lost."
    )


def busy_job_message() -> str:
    return _(
        "The database was busy with other work and the job could not write; nothing was "
        "saved. Start it again in a moment."
    )
