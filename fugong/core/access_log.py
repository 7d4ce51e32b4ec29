"""gunicorn's logger with phone and ID numbers masked: the access log writes each request line
with its query string and referrer (``?q=13812345678``), the error log tracebacks. ``fugong
serve`` starts gunicorn with ``--logger-class fugong.core.access_log.GunicornLogger``."""

from __future__ import annotations

from gunicorn.glogging import Logger

from fugong.core.masking import PersonalDataLogFilter


class GunicornLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, PersonalDataLogFilter) for f in handler.filters):
                    handler.addFilter(PersonalDataLogFilter())
