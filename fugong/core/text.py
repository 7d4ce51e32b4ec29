"""Normalising free text that users type (search boxes, imported cells)."""

from __future__ import annotations

import unicodedata


def clean_text(value: str | None, max_length: int = 200) -> str:
    """Full-width to half-width (NFKC), no control characters (PostgreSQL rejects NUL),
    trimmed, at most ``max_length`` characters."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in "\t\n")
    return text.strip()[:max_length]
