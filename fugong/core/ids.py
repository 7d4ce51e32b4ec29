"""Ids that come from users (query strings, form values): read them safely."""

from __future__ import annotations

# The largest primary key (bigint); a larger number cannot name a row.
ID_MAX = 2**63 - 1


def parse_id(value) -> int | None:
    """``value`` as a row id, or None when it is not one (empty, not a number, out of range),
    so a hand-edited address finds nothing instead of failing."""
    text = str(value or "").strip()
    # ASCII digits only: "²" and "⑤" pass str.isdigit() and then fail int().
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= ID_MAX else None
