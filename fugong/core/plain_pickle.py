"""Unpickling that builds plain values only: containers, numbers, text, ``Decimal`` and the
``datetime`` types. For pickles that come from a place we do not fully trust though we wrote
the code that made them: the workbook reader's child process (it parses hostile files with a
native library) and the checked rows kept in the media storage. A pickle that names any
other class is refused (``pickle.UnpicklingError``) instead of running code."""

from __future__ import annotations

import datetime
import decimal
import io
import pickle
from typing import IO, Any

_ALLOWED = {
    ("decimal", "Decimal"): decimal.Decimal,
    ("_pydecimal", "Decimal"): decimal.Decimal,
    ("datetime", "date"): datetime.date,
    ("datetime", "datetime"): datetime.datetime,
    ("datetime", "time"): datetime.time,
    ("datetime", "timedelta"): datetime.timedelta,
    ("datetime", "timezone"): datetime.timezone,
}


class _Plain(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"a pickle of plain values names {module}.{name}"
            ) from None


def load(stream: IO[bytes]) -> Any:
    return _Plain(stream).load()


def loads(data: bytes) -> Any:
    return _Plain(io.BytesIO(data)).load()
