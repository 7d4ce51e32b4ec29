"""What an app declares to import a ledger, and the registry of those declarations.

An app subclasses :class:`Importer`, fills in its columns and natural key and the few methods
that know its model, and registers one instance from its ``AppConfig.ready``::

    class RosterImporter(Importer):
        kind = "workforce.roster"
        title = _("Import the staff roster")
        columns = ROSTER_COLUMNS                      # fugong.core.tabular.Column
        key = "id_number"

        def may_import(self, user): return permissions.can_manage_roster(user)
        def checker(self, user, options): return RosterRowChecker(user, options)
        def commit(self, *, actor, rows, reason, options, all_or_nothing):
            return Committed(**services.people_upsert(actor=actor, rows=rows, reason=reason))

    register(RosterImporter())

The engine (``fugong.core.imports.engine``) reads the file, hands each chunk of rows to the
checker (which loads the stored rows for the chunk's keys in one query and checks each row
through the same service rules as the app's form and API), writes the good rows aside (signed
frames, ``fugong.core.imports.checked``) and, once the user confirms, hands them back chunk by chunk to ``commit``.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

from fugong.core.bulk import rows_by_keys
from fugong.core.tabular import Column, SourceRow


@dataclass
class Committed:
    """What one ``commit`` call wrote: counts, and the keys it refused (what changed since
    the check, e.g. a row registered meanwhile where the user cannot change it)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[str] = field(default_factory=list)


class RowCheck:
    """Checks the rows of one batch for one user, chunk by chunk. ``load`` reads the stored
    rows whose keys the chunk names (one query, never one per row: by default ``fields`` of
    ``model`` where ``key`` is one of them); ``check`` turns one row into the values to write
    or a reason (a sentence naming the column)."""

    model: type[models.Model] | None = None
    key: str = ""
    fields: Sequence[str] = ()

    def given(self, fields: Collection[str]) -> None:
        """The fields whose columns the file has, told before the first ``load``: a checker
        may read only the stored columns it needs for them (nothing by default)."""

    def load(self, keys: Sequence[Any]) -> dict[Any, dict]:
        if self.model is None:
            return {}
        rows = rows_by_keys(self.model, self.key, keys, [self.key, *self.fields])
        return {r[self.key]: r for r in rows}

    def check(self, row: SourceRow, existing: dict | None) -> tuple[dict | None, str]:
        raise NotImplementedError

    def unchanged(self, row: SourceRow, existing: dict) -> bool:
        """True when the row would change nothing of the stored row ``existing`` and would
        pass ``check`` (the user may name it): the engine then counts it as unchanged and
        neither checks it in full nor writes it (a file imported again is checked in a few
        seconds). False (the default) sends it to ``check``."""
        return False


# The values a checked row keeps as they are (most of them: one look-up each).
_KEPT = frozenset({str, int, bool, type(None), Decimal, datetime.date, datetime.datetime})


class Importer:
    """One kind of ledger the engine imports (see the module docstring)."""

    kind: str = ""
    title: Any = ""
    columns: list[Column] = []
    key: str = ""  # the natural key field (a column's field and the model's field)
    # URL names of the app's import pages (upload, batch, error file).
    url_names: tuple[str, str, str] = ("", "", "")
    # What the pages say: how the file is read (a template), the preview's counts of new and
    # stored rows, the fields of the sample rows, and where the imported rows are listed.
    help_template: str = ""
    new_label: Any = ""
    existing_label: Any = ""
    sample_fields: Sequence[str] = ()
    result_label: Any = ""
    # The form's 导入到: what it is called and says (None: "Import to", for places), and
    # whether a choice is needed (the roster's rows all go to the enterprise chosen).
    place_label: Any = None
    place_help: Any = None
    place_required: bool = False
    # Rows hold personal data (ID numbers, phones): the stored preview is masked.
    personal_data: bool = False

    def result_url(self) -> str:
        """Where the imported rows are listed (the link under the result), or ""."""
        return ""

    # --- who, and where ----------------------------------------------------------------------

    def may_import(self, user) -> bool:
        raise NotImplementedError

    def places(self, user) -> list[tuple[int, str]]:
        """The places rows without one may go to (the choices of the form's 导入到 field),
        as (id, name); empty when the importer has no such choice."""
        return []

    def default_place(self, user, places: list[tuple[int, str]]) -> int | None:
        """The place chosen by default: the user's own when it is the only one."""
        return places[0][0] if len(places) == 1 else None

    def office_key(self, user) -> str:
        """Whose header mappings the user's uploads share (see ``HeaderMapping``)."""
        return f"user:{user.pk}"

    # --- the rows ----------------------------------------------------------------------------

    def checker(self, user, options: dict) -> RowCheck:
        raise NotImplementedError

    def sample(self, values: dict) -> dict[str, str]:
        """A checked row as the preview shows it."""
        return {k: str(v) for k, v in values.items()}

    def storable(self, values: dict) -> dict:
        """A checked row as it is set aside for the commit (``fugong.core.imports.checked``:
        plain values, ``Decimal`` and dates kept): model instances as ``<name>_id``, choices
        (enum members) as their value."""
        out = {}
        for name, value in values.items():
            if type(value) in _KEPT:
                out[name] = value
            elif isinstance(value, models.Model):
                out[f"{name}_id"] = value.pk
            elif isinstance(value, enum.Enum):
                out[name] = value.value
            else:
                out[name] = value
        return out

    def storable_many(self, rows: list[dict]) -> list[dict]:
        """``storable`` of a chunk's rows (an importer that seals its rows reads its key once
        a chunk)."""
        return [self.storable(values) for values in rows]

    def restored(self, stored: dict) -> dict:
        """A row set aside by ``storable`` as ``commit`` takes it."""
        return stored

    # --- the write ---------------------------------------------------------------------------

    def before_commit(self, *, actor, options: dict) -> None:
        """Check again, once per import, what the options rely on (the chosen place is still
        the user's); raise ``JobError`` with a sentence to stop the import."""

    def commit(
        self, *, actor, rows: list[dict], reason: str, options: dict, all_or_nothing: bool
    ) -> Committed:
        """Write one chunk of checked rows (restored). In all-or-nothing mode a row that can
        no longer be written raises ``JobError`` (the import's transaction rolls back)."""
        raise NotImplementedError


_IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    if not importer.kind:
        raise ValueError("An importer needs a kind.")
    _IMPORTERS[importer.kind] = importer
    return importer


def importer(kind: str) -> Importer:
    """The importer registered for ``kind`` (KeyError: none is)."""
    return _IMPORTERS[kind]
