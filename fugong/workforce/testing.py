"""What the workforce tests share: valid ID numbers made from parts."""

from __future__ import annotations

from stdnum.cn import ric


def id_number(i: int, *, place: str = "430103", born: str = "0303", first_year: int = 1970) -> str:
    """A valid 18-digit ID number (check digit by python-stdnum): born in ``place`` on
    ``born`` (MMDD) of a year from ``first_year`` (30 of them), sequence ``i`` (below 1,000
    gives distinct numbers)."""
    body = f"{place}{first_year + i % 30}{born}{i:03d}"
    return body + ric.calc_check_digit(body + "0")
