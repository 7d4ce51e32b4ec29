"""Numbered documents: one sequence per kind of document, issuing place and year.

A government document carries a number its issuer gives in order: 青溪复工〔2026〕0007号 is the
seventh resumption notice 青溪 issued in 2026. Numbers must never repeat, and should not skip
(a gap reads as a lost or withdrawn document). ``take`` gives the next number under a row lock
on the counter ``(kind, jurisdiction, year)``; call it inside the transaction that creates the
document, so a rollback gives the number back and concurrent issuers wait for each other.
Works the same on SQLite (which serialises writers anyway) and PostgreSQL (``SELECT ... FOR
UPDATE`` on the counter row).

For a new kind of document (passes, letters, orders, ...):

1. name the kind ``"<app>.<document>"`` (``"workforce.pass"``) in a constant of the app;
2. give the document model ``jurisdiction``, ``year``, ``sequence`` fields with a unique
   constraint on the three, and a ``number`` field for the printed form;
3. in the service that issues it, inside ``transaction.atomic``::

       year = timezone.localtime(now).year
       sequence = numbering.take(PASS, where, year)
       number = numbering.format_number(prefix, year, sequence)

4. when documents already exist, seed the counters in a data migration with ``seed`` so
   numbering goes on where it stopped (see resumption's migration that moved notices here).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from fugong.core.models import DocumentCounter


def format_number(prefix: str, year: int, sequence: int) -> str:
    """The printed number: prefix〔year〕NNNN号 (at least four digits)."""
    return f"{prefix}〔{year}〕{sequence:04d}号"


def take(kind: str, jurisdiction: Any, year: int) -> int:
    """The next number of ``kind`` for ``jurisdiction`` and ``year``, counted as used.
    Must run inside a transaction (the row lock lasts until it ends)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("numbering.take must run inside the transaction that issues.")
    key = {"kind": kind, "jurisdiction_id": jurisdiction.pk, "year": year}
    # The first number of a year creates the row; a concurrent creator waits on the unique
    # index and then finds it (get_or_create retries the get after the IntegrityError).
    DocumentCounter.objects.get_or_create(**key)
    counter = DocumentCounter.objects.select_for_update().get(**key)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def last(kind: str, jurisdiction: Any, year: int) -> int:
    """The last number given (0 when none yet)."""
    return (
        DocumentCounter.objects.filter(kind=kind, jurisdiction=jurisdiction, year=year)
        .values_list("last", flat=True)
        .first()
        or 0
    )


def seed(counter_model: type, kind: str, rows: Any) -> None:
    """Raise counters to at least the numbers already given. ``rows`` yields
    ``(jurisdiction_id, year, last)``; ``counter_model`` is DocumentCounter (in a migration:
    ``apps.get_model("core", "DocumentCounter")``)."""
    for jurisdiction_id, year, given in rows:
        counter, _created = counter_model.objects.get_or_create(
            kind=kind, jurisdiction_id=jurisdiction_id, year=year
        )
        if counter.last < given:
            counter.last = given
            counter.save(update_fields=["last"])
