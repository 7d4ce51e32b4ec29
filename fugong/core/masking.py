"""Masking of personal data (PIPL): on screen unless the role needs it, and always in logs."""

from __future__ import annotations

import logging
import re

PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
ID_RE = re.compile(r"(?<![\dA-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dA-Za-z])")


def mask_phone(value: str | None) -> str:
    """13812345678 -> 138****5678; other numbers keep only their last four digits."""
    if not value:
        return ""
    digits = str(value).strip()
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * len(digits)


def mask_id_number(value: str | None) -> str:
    """110101199003071234 -> 110101********1234."""
    if not value:
        return ""
    text = str(value).strip()
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_text(text: str) -> str:
    """Mask every mobile number and 18-character ID number inside free text."""
    text = ID_RE.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], text)
    return PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)


class PersonalDataLogFilter(logging.Filter):
    """Rewrites log records so that phone and ID numbers never reach a log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not stop logging
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
