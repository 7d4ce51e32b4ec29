"""Filters on the site's log handlers that are about what to log, not about masking (which
lives in fugong/core/masking.py): see LOGGING in config/settings/base.py."""

from __future__ import annotations

import logging


class ClientErrorLogFilter(logging.Filter):
    """Django logs every 403 and 404 with the traceback of the exception behind it ("Forbidden
    (Permission denied): /path" and twenty lines of stack), which buries the real failures in
    the log. A client error keeps its one line; a server error keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
