"""The good rows a check sets aside for the commit: signed chunks of pickled rows.

A check writes each chunk of good rows (dicts of plain values: str, int, bool, None,
``Decimal``, ``date``, ``datetime``) as one frame; the commit reads the frames back in order.
JSON lines cost 1.7 s to write and 1.3 s to read for 100,000 rows (amounts and dates need a
wrapper each way); a pickled chunk costs a fraction of that.

The file is the server's own, but it lies in the media storage, which may be shared (an
object store): nothing read from it is trusted without checking. Each frame carries an
HMAC-SHA256 of its bytes under a key derived from ``SECRET_KEY`` and the batch, so a frame
altered, moved from another batch or forged is refused before it is unpickled; and the
unpickler builds nothing but the value types above (a frame that names any other class is
refused too), so even a leaked key does not let a file run code.
"""

from __future__ import annotations

import hmac
import pickle
import struct
from collections.abc import Iterator
from typing import IO

from django.utils.crypto import salted_hmac

from fugong.core import plain_pickle

MAGIC = b"FGCHK1\n"
_HEADER = struct.Struct(">32sQ")  # the frame's HMAC, then its length
MAX_FRAME = 256 * 1024 * 1024  # a chunk of 5,000 rows is about a megabyte


class CheckedFileError(Exception):
    """The file is not a checked-rows file of this batch, or was altered."""


def _signer(batch_id: int):
    return lambda payload: salted_hmac(
        "fugong.core.imports.checked", b"%d:" % batch_id + payload, algorithm="sha256"
    ).digest()


def write(out: IO[bytes], batch_id: int) -> Writer:
    out.write(MAGIC)
    return Writer(out, batch_id)


class Writer:
    def __init__(self, out: IO[bytes], batch_id: int):
        self.out = out
        self.sign = _signer(batch_id)

    def chunk(self, rows: list[dict]) -> None:
        if not rows:
            return
        payload = pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)
        self.out.write(_HEADER.pack(self.sign(payload), len(payload)))
        self.out.write(payload)


def read(stored: IO[bytes], batch_id: int) -> Iterator[list[dict]]:
    """The chunks of rows of ``stored``, in order; ``CheckedFileError`` when the file is not
    one written by ``write`` for this batch (another format, a frame altered or cut)."""
    if stored.read(len(MAGIC)) != MAGIC:
        raise CheckedFileError("not a checked-rows file")
    sign = _signer(batch_id)
    while True:
        header = stored.read(_HEADER.size)
        if not header:
            return
        if len(header) != _HEADER.size:
            raise CheckedFileError("cut in a frame header")
        mac, length = _HEADER.unpack(header)
        if length > MAX_FRAME:
            raise CheckedFileError("a frame larger than any chunk")
        payload = stored.read(length)
        if len(payload) != length or not hmac.compare_digest(mac, sign(payload)):
            raise CheckedFileError("a frame altered or cut")
        try:
            yield plain_pickle.loads(payload)
        except pickle.UnpicklingError as exc:
            raise CheckedFileError(str(exc)) from None
