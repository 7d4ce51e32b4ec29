"""The public board's search key: what a vacancy is found by, precomputed and stored
(``Vacancy.search_key``), refreshed by the services on every save and import.

For the post, the enterprise's name and the place, the key holds the text itself, its pinyin
initials and its full pinyin without spaces, lower-case: 高级工程师 gives
"高级工程师 gjgcs gaojigongchengshi". A query is split on spaces into at most
``MAX_TERMS`` terms, each normalised the same way; a vacancy matches when its key contains
every term. So "gjgcs", "gaoji", "工程师" and "gao ji" all find 高级工程师."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

MAX_QUERY = 60  # characters of a query read; the rest is ignored
MAX_TERMS = 3
MAX_TERM = 30
KEY_LENGTH = 600


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    return text.lower()


@lru_cache(maxsize=20_000)
def _piece(text: str) -> str:
    """``text`` (normalised, without spaces), its initials and its full pinyin."""
    text = _norm(text).replace(" ", "")
    if not text:
        return ""
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
    full = "".join(lazy_pinyin(text)).lower()
    parts = [text]
    for extra in (initials, full):
        if extra and extra not in parts:
            parts.append(extra)
    return " ".join(parts)


def search_key(*texts: str) -> str:
    """The key of a vacancy from its post, its enterprise's name and its place's name."""
    return " ".join(p for p in (_piece(t) for t in texts) if p)[:KEY_LENGTH]


def query_terms(query: str | None) -> list[str]:
    """The terms of a typed query: normalised as the key, at most ``MAX_TERMS`` of at most
    ``MAX_TERM`` characters each (NUL and other control characters dropped)."""
    text = _norm((query or "")[: MAX_QUERY * 2])[:MAX_QUERY]
    terms = []
    for term in text.split():
        term = term[:MAX_TERM]
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]
