"""The two jobs of every import: the check (reads and checks every row, writes nothing but the
preview, the error file and the good rows, signed, in ``checked`` frames) and, once the user confirms, the
commit (writes the good rows through the importer, all-or-nothing or keeping the good ones).
"""

from __future__ import annotations

import gc
import io
import logging
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fugong.core.bulk import load_cache
from fugong.core.imports import checked as checked_rows_file
from fugong.core.imports.models import HeaderMapping, ImportBatch, ImportMode, ImportStatus
from fugong.core.imports.registry import Importer, importer
from fugong.core.imports.workflow import BATCHES, SYSTEM
from fugong.core.jobs import JobContext, JobError, job_handler
from fugong.core.masking import mask_structure
from fugong.core.orphans import save_upload
from fugong.core.tabular import SourceRow, Table, TabularError, mapping_key, read_table
from fugong.core.xlsx import XlsxStreamWriter

logger = logging.getLogger(__name__)

CHUNK = 5000
SAMPLE_ROWS = 20
SHOWN_ERRORS = 100
SHOWN_HEADERS = 50


@dataclass
class Checked:
    total: int = 0
    valid: int = 0
    new: int = 0
    existing: int = 0
    unchanged: int = 0  # stored rows the file gives unchanged: counted, not written
    skipped: int = 0  # 合计/小计 lines and blank lines: neither rows nor errors
    errors: list[tuple[int, list[str], str]] = field(default_factory=list)
    sample: list[dict] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)
    unknown_headers: list[str] = field(default_factory=list)
    samples: dict[str, list[str]] = field(default_factory=dict)
    mapped: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    # Header key -> who chose it and when, for the office's remembered choices applied.
    remembered: dict[str, dict] = field(default_factory=dict)


# While an import runs, the cyclic garbage collector's youngest generation is collected after
# this many new objects instead of 700.
IMPORT_GC_THRESHOLD = 100_000
_gc_lock = threading.Lock()
_gc_users = 0  # imports running in this process (the first sets the collector, the last resets it)
_gc_threshold: tuple[int, int, int] | None = None


@contextmanager
def few_collections() -> Iterator[None]:
    """The cyclic garbage collector out of an import's way. An import makes millions of
    objects (rows, values, audit snapshots), most of them kept until their chunk is written:
    collected every 700 new objects, as by default, each collection walks them again, and a
    full one walks the whole process besides (a check of 100,000 rows spent 2 s of its 5.5 s
    of CPU there). So the objects made before the import are frozen (left out of every
    collection, ``gc.freeze``) and the young ones collected once per ``IMPORT_GC_THRESHOLD``
    new objects; both undone when the last import of the process ends. Nothing is left
    uncollected: garbage made meanwhile is collected then, or at the next collection."""
    global _gc_users, _gc_threshold
    with _gc_lock:
        _gc_users += 1
        if _gc_users == 1:
            _gc_threshold = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(max(IMPORT_GC_THRESHOLD, _gc_threshold[0]), *_gc_threshold[1:])
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_threshold)
                gc.unfreeze()


def _chunks(rows: Iterator[SourceRow], size: int = CHUNK) -> Iterator[list[SourceRow]]:
    chunk: list[SourceRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class MissingColumns(TabularError):
    """The file lacks a column it needs; ``table`` is what was read of it (its headers not
    recognised may be that column: the preview offers to map them)."""

    def __init__(self, message: str, table: Table):
        super().__init__(message)
        self.table = table


SAMPLE_SCAN = 50  # rows read for the sample values of a file refused for a missing column


def _remembered(batch: ImportBatch) -> list[HeaderMapping]:
    kind = importer(batch.kind)
    return list(
        HeaderMapping.objects.filter(
            kind=batch.kind, scope=kind.office_key(batch.created_by)
        ).select_related("updated_by")
    )


def batch_mapping(batch: ImportBatch) -> dict[str, str]:
    """The header mapping a check of ``batch`` applies: the office's remembered mapping,
    overridden by what was chosen for this batch."""
    remembered = {m.header: m.field for m in _remembered(batch)}
    return remembered | batch.options.get("mapping", {})


def remembered_choices(batch: ImportBatch) -> dict[str, dict]:
    """Header key -> who chose it and when, for the office's remembered choices that this
    batch did not override: the preview says the choice was made before."""
    chosen = batch.options.get("mapping", {})
    return {
        m.header: {
            "by": m.updated_by.display_name,
            "at": timezone.localtime(m.updated_at).strftime("%Y-%m-%d %H:%M"),
        }
        for m in _remembered(batch)
        if m.header not in chosen
    }


def read_batch(batch: ImportBatch, kind: Importer) -> Table:
    batch.file.open("rb")
    try:
        data = batch.file.read()
    finally:
        batch.file.close()
    table = read_table(
        data,
        filename=batch.filename,
        columns=kind.columns,
        max_bytes=settings.FUGONG_MAX_UPLOAD_MB * 1024 * 1024,
        mapping=batch_mapping(batch),
    )
    missing = table.missing_required
    if missing:
        raise MissingColumns(
            _("The file has no column for %(columns)s. Add it, or check the header row.")
            % {"columns": "、".join(missing)},
            table,
        )
    return table


def _headers_preview(table: Table, kind: Importer, batch: ImportBatch) -> dict:
    """The preview of a file refused for a missing column: the columns found and those not
    recognised, with values from its first rows, so that the user can map them."""
    checked = Checked(
        columns=table.columns,
        unknown_headers=table.unknown_headers,
        samples=table.samples,
        mapped=table.mapped,
        ignored=table.ignored,
        remembered=remembered_choices(batch),
    )
    try:
        for _row in islice(table.rows, SAMPLE_SCAN):
            pass  # reading the rows fills table.samples
    except TabularError:
        pass  # a malformed record further down: the samples read so far
    return summary(checked, kind)


def checked_rows(
    batch: ImportBatch, ctx: JobContext | None, checked: Checked
) -> Iterator[list[dict]]:
    """Yield, chunk by chunk, the values of the good rows; count everything in ``checked``
    and collect the bad rows with their reasons."""
    kind = importer(batch.kind)
    table = read_batch(batch, kind)
    checked.headers = table.headers
    checked.columns = table.columns
    checked.unknown_headers = table.unknown_headers
    checked.samples = table.samples
    checked.mapped = table.mapped
    checked.ignored = table.ignored
    checked.remembered = remembered_choices(batch)
    checker = kind.checker(batch.created_by, batch.options)
    checker.given(frozenset(table.columns))
    key = kind.key
    for chunk in _chunks(table.rows):
        existing = checker.load([r.values[key] for r in chunk if r.values.get(key)])
        good: list[dict] = []
        for row in chunk:
            current = existing.get(row.values.get(key))
            if (
                current is not None
                and len(checked.sample) >= SAMPLE_ROWS  # the preview's sample rows in full
                and checker.unchanged(row, current)
            ):
                checked.total += 1
                checked.valid += 1
                checked.existing += 1
                checked.unchanged += 1
                continue
            values, message = checker.check(row, current)
            checked.total += 1
            if values is None:
                checked.errors.append((row.number, row.raw, message))
                continue
            checked.valid += 1
            if current is None:
                checked.new += 1
            else:
                checked.existing += 1
            if len(checked.sample) < SAMPLE_ROWS:
                checked.sample.append({"row": row.number, **kind.sample(values)})
            good.append(values)
        if ctx is not None:
            ctx.progress(checked.total)
        yield good
    checked.skipped = len(table.skipped)


def error_file(checked: Checked) -> bytes:
    """The rejected rows as they were in the file, with their row number and a column saying
    why."""
    buffer = io.BytesIO()
    sheet = XlsxStreamWriter(buffer, sheet_name="有误的行")
    sheet.append([*checked.headers, "原行号", "错误原因"])
    width = len(checked.headers)
    for number, raw, message in checked.errors:
        sheet.append([*(raw + [""] * width)[:width], number, message])
    sheet.close()
    return buffer.getvalue()


def _choices(checked: Checked) -> list[dict]:
    """The headers whose reading the user chooses, in the preview's mapping table: each
    with its key, the current choice (a field, "" = ignored, None = not chosen), its first
    values and, for the office's remembered choice, who made it and when."""
    entries = [
        *((h, None) for h in checked.unknown_headers),
        *checked.mapped.items(),
        *((h, "") for h in checked.ignored),
    ]
    out = []
    for header, chosen in entries[:SHOWN_HEADERS]:
        key = mapping_key(header)
        out.append(
            {
                "header": header[:60],
                "key": key,
                "field": chosen,
                "samples": checked.samples.get(header, []),
                "remembered": checked.remembered.get(key) if chosen is not None else None,
            }
        )
    return out


def summary(checked: Checked, kind: Importer) -> dict:
    labels = {c.field: c.label for c in kind.columns}
    # Bounded, whatever the file holds: the preview is stored and shown on every poll.
    unknown = [h[:60] for h in checked.unknown_headers[:SHOWN_HEADERS]]
    return {
        "total": checked.total,
        "valid": checked.valid,
        "invalid": len(checked.errors),
        "new": checked.new,
        "existing": checked.existing,
        "unchanged": checked.unchanged,  # of the valid rows: not in the checked file
        "skipped": checked.skipped,
        "columns": [labels[f] for f in checked.columns],
        "unknown_headers": unknown,
        # What each unknown column holds: a column with values is never dropped unseen.
        "unknown_samples": {
            h[:60]: checked.samples.get(h, []) for h in checked.unknown_headers[:SHOWN_HEADERS]
        },
        "mapped": {h[:60]: labels[f] for h, f in checked.mapped.items()},
        "ignored": [h[:60] for h in checked.ignored[:SHOWN_HEADERS]],
        "choices": _choices(checked),
        "sample": checked.sample,
        "errors": [{"row": n, "message": m} for n, _raw, m in checked.errors[:SHOWN_ERRORS]],
    }


def _check_failed(job, message: str) -> None:
    batch = ImportBatch.objects.filter(pk=job.params["batch"]).first()
    if batch is not None and batch.status == ImportStatus.CHECKING:
        BATCHES.apply(batch, actor=SYSTEM, action="reject", message=message)


@job_handler("imports.check", atomic=False, on_failure=_check_failed)
@job_handler("enterprises.import_check", atomic=False, on_failure=_check_failed)  # queued before
def check(ctx: JobContext) -> dict:
    """Read and check every row; write nothing but the preview and the error file."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=ctx.params["batch"])
    kind = importer(batch.kind)
    checked = Checked()
    with tempfile.TemporaryFile() as good_rows, few_collections():
        frames = checked_rows_file.write(good_rows, batch.pk)
        try:
            for good in checked_rows(batch, ctx, checked):
                frames.chunk(kind.storable_many(good))
        except TabularError as exc:
            preview = (
                _headers_preview(exc.table, kind, batch) if isinstance(exc, MissingColumns) else {}
            )
            BATCHES.apply(batch, actor=SYSTEM, action="reject", message=str(exc), preview=preview)
            raise JobError(str(exc)) from exc
        ctx.progress(checked.total, checked.total)
        batch.preview = summary(checked, kind)
        if kind.personal_data:  # no ID number or phone in the stored preview
            batch.preview = mask_structure(batch.preview)
        if checked.errors:
            save_upload(
                batch.error_file, f"errors-{batch.pk}.xlsx", ContentFile(error_file(checked))
            )
        good_rows.seek(0)
        save_upload(batch.checked_file, f"checked-{batch.pk}.bin", File(good_rows))
    batch.save(update_fields=["preview", "error_file", "checked_file"])
    if checked.total == 0:
        BATCHES.apply(
            batch,
            actor=SYSTEM,
            action="reject",
            message=_("The file has a header but no rows below it."),
        )
    else:
        BATCHES.apply(batch, actor=SYSTEM, action="accept")
    ctx.message(
        _("%(total)d rows read: %(valid)d good, %(invalid)d with errors.")
        % {"total": checked.total, "valid": checked.valid, "invalid": len(checked.errors)}
    )
    return batch.preview | {"sample": [], "unknown_samples": {}, "choices": []}


# Checked rows written by one call of the importer's ``commit``: a few of the check's chunks
# (an importer's set-wise steps, such as the tally's count of new units, cost per call).
COMMIT_ROWS = 25_000


def _grouped(chunks: Iterator[list[dict]], size: int) -> Iterator[list[dict]]:
    """The chunks joined into lists of about ``size`` rows (never a chunk split)."""
    group: list[dict] = []
    for chunk in chunks:
        group += chunk
        if len(group) >= size:
            yield group
            group = []
    if group:
        yield group


def _import_failed(job, message: str) -> None:
    batch = ImportBatch.objects.filter(pk=job.params["batch"]).first()
    if batch is not None and batch.status == ImportStatus.IMPORTING:
        changes = {}
        if batch.checked_file and not batch.checked_file.storage.exists(batch.checked_file.name):
            # Refused and deleted by the commit: the batch is not offered to import again,
            # only to be checked again.
            changes["checked_file"] = ""
        BATCHES.apply(batch, actor=SYSTEM, action="fail", message=message, **changes)


@job_handler("imports.commit", on_failure=_import_failed)
@job_handler("enterprises.import", on_failure=_import_failed)  # queued before the engine
def commit(ctx: JobContext) -> dict:
    """Write what the check accepted, in one transaction: every row, or (keep-good mode)
    the good ones. The file is not read again; what may have changed since the check is
    checked again by the importer."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=ctx.params["batch"])
    kind = importer(batch.kind)
    preview = batch.preview
    rejected = preview.get("invalid", 0)
    all_or_nothing = batch.mode == ImportMode.ALL_OR_NOTHING
    if rejected and all_or_nothing:
        first = preview["errors"][0]["row"] if preview.get("errors") else "?"
        raise JobError(
            ngettext(
                "%(n)d row has an error (row %(rows)s), so nothing was imported (all-or-nothing). "
                "Download the rows with errors, fix them and import again.",
                "%(n)d rows have errors (the first is row %(rows)s), so nothing was imported "
                "(all-or-nothing). Download the rows with errors, fix them and import again.",
                rejected,
            )
            % {"n": rejected, "rows": first}
        )
    kind.before_commit(actor=batch.created_by, options=batch.options)
    total = preview.get("valid", 0)
    ctx.progress(0, total)
    # The rows the check found unchanged are not in the checked file.
    unchanged = done = preview.get("unchanged", 0)
    created = updated = refused = 0
    reason = _("Import of %(file)s") % {"file": batch.filename}
    # One large SQLite page cache for the whole import (core.bulk.load_cache): the pages an
    # importer's calls dirty stay in memory until the commit instead of going to the journal
    # after each call and coming back for the next (nothing on PostgreSQL).
    with batch.checked_file.open("rb") as stored, load_cache(), few_collections():
        try:
            for rows in _grouped(checked_rows_file.read(stored, batch.pk), COMMIT_ROWS):
                result = kind.commit(
                    actor=batch.created_by,
                    rows=[kind.restored(r) for r in rows],
                    reason=reason,
                    options=batch.options,
                    all_or_nothing=all_or_nothing,
                )
                created += result.created
                updated += result.updated
                unchanged += result.unchanged
                refused += len(result.refused)
                done += len(rows)
                ctx.progress(done)
        except checked_rows_file.CheckedFileError as exc:
            logger.warning("Import batch %s: checked rows refused (%s)", batch.pk, exc)
            # Gone at once (storage is outside the transaction): importing these rows again
            # can only fail again; the failure hook then offers a new check instead.
            batch.checked_file.delete(save=False)
            raise JobError(
                _(
                    "The checked rows of this file cannot be read (they were checked by an "
                    "earlier version, or changed since). Nothing was imported; check the file "
                    "again."
                )
            ) from None
    result = {
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "rejected": rejected + refused,
    }
    BATCHES.apply(batch, actor=SYSTEM, action="finish", result=result)
    ctx.progress(total, total)
    ctx.message(
        ngettext(
            "%(created)d new, %(updated)d updated, %(unchanged)d unchanged, %(rejected)d row "
            "rejected.",
            "%(created)d new, %(updated)d updated, %(unchanged)d unchanged, %(rejected)d rows "
            "rejected.",
            result["rejected"],
        )
        % result
    )
    return result
