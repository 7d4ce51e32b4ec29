"""Stand-in images for demo data and tests."""

from __future__ import annotations

import io

import segno


def png_bytes(text: str) -> bytes:
    """A small real PNG (a QR code of ``text``): a stand-in for an inspector's photo."""
    out = io.BytesIO()
    segno.make(text, micro=False).save(out, kind="png", scale=4)
    return out.getvalue()
