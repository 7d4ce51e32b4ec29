"""Masking of personal data (PIPL): on screen unless the role needs it, and always in logs and
in the audit log.

* ``mask_phone`` / ``mask_id_number``: one value (a phone or ID number field).
* ``mask_text``: every mobile number, landline with area code and 18-character ID number inside
  free text (a leading group "张三 组长 13812345678", a log line, a query string).
* ``mask_structure``: the same inside a JSON value (strings, and numbers shaped like a phone).
* ``audit_mask``: what the audit log keeps of a field named in a model's
  ``audit_masked_fields``: a short field (a phone, an ID number) becomes ``******``; free text
  and JSON keep their words with the numbers masked inside.
* ``PersonalDataLogFilter``: on every log handler (config/settings/base.py LOGGING) and on
  gunicorn's access and error logs (``GunicornLogger`` in fugong/core/access_log.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any

# 13812345678, 138-1234-5678, 138 1234 5678, +86 13812345678 (a "+" is a space in a query).
# Digits may be full-width (１３８…, as a Chinese input method types them): \d matches them,
# and so must the leading 1 and 0.
PHONE_RE = re.compile(
    r"(?:(?<=\+86)|(?<=%2B86)|(?<!\d))([1１][3-9３-９]\d)[- +]?(\d{4})[- +]?(\d{4})(?!\d)"
)
# 0571-88886666, 010-12345678: a landline with its area code and a hyphen.
LANDLINE_RE = re.compile(r"(?<![\d-])([0０]\d{2,3})-(\d{3,4})(\d{4})(?![\d-])")
# 18-character resident ID numbers (the last one may be X).
ID_RE = re.compile(r"(?<![\dA-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dA-Za-z])")

MASKED = "******"
# A masked field at most this long (phone, ID number) is hidden whole in the audit log; longer
# text and JSON keep their words with the numbers inside masked.
_WHOLE_MAX_LENGTH = 32


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


# Every pattern above holds at least ten digits (a landline 3 + 3 + 4, a mobile 11, an ID
# number 17): a text with fewer is returned as it is after one search (an import's 100,000
# enterprise names and addresses such as "测试路123号" went through the three substitutions).
_TEN_DIGITS = re.compile(r"(?:\d\D*){10}").search


def mask_text(text: str) -> str:
    """Mask every mobile number, landline and 18-character ID number inside free text."""
    if not text or not _TEN_DIGITS(text):
        return text  # most names, addresses and reasons hold fewer than ten digits
    text = ID_RE.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], text)
    text = PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return LANDLINE_RE.sub(lambda m: m.group(1) + "-" + "*" * len(m.group(2)) + m.group(3), text)


def mask_structure(value: Any) -> Any:
    """``mask_text`` applied to every string inside a JSON value (keys too), and to numbers
    that look like a phone or ID number."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        text = str(value)
        masked = mask_text(text)
        return masked if masked != text else value
    if isinstance(value, dict):
        return {mask_structure(k): mask_structure(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_structure(v) for v in value]
    return value


def masks_inside(field) -> bool:
    """Whether the audit log keeps this masked field's text with the numbers masked inside
    (free text, JSON) rather than hiding it whole (a phone or ID number field)."""
    from django.db import models

    if isinstance(field, models.JSONField | models.TextField):
        return True
    max_length = getattr(field, "max_length", None)
    return bool(max_length and max_length > _WHOLE_MAX_LENGTH)


def audit_mask(value: Any, *, inside: bool) -> Any:
    """What the audit log keeps of a masked field's value."""
    if inside:
        return mask_structure(value)
    return MASKED if value else ""


class PersonalDataLogFilter(logging.Filter):
    """Rewrites log records so that phone and ID numbers never reach a log: the message with
    its arguments, and the traceback of an exception."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not stop logging
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
