"""No upload file without a row that names it (issue 15 point 7).

A service stores an upload inside its transaction; if the transaction then rolls back (a
checklist refused after its photos were written, a request whose last step failed), the row
is gone but the file stays on disk: nothing names it, it holds personal data and fills the
disk. Two things keep the storage clean:

``save_upload(field_file, name, content)``
    what a service calls instead of ``field_file.save(name, content, save=False)``. The file
    is written at once, and deleted again if the transaction it was written in, or any
    savepoint that was open then, rolls back.

``sweep()`` (``fugong sweep-files``, and a background task at start-up)
    the safety net: under the upload directory of every FileField of every installed model,
    the files older than ``FUGONG_ORPHAN_GRACE_HOURS`` (24) that no row names are deleted. It
    catches what the first cannot: a process killed in the middle of a transaction, a
    connection lost at the moment of COMMIT, files written before this existed.

Why the file is written at once and not in ``transaction.on_commit`` (what Django's documentation
suggests instead of a rollback hook): a file written after the commit leaves, if the process
dies or the write fails between the two, a committed row naming a file that does not exist —
an upload lost without anyone knowing, where an orphan is only disk and is found by the sweep.
Code inside the transaction may also read the file it just stored (the import engine does), and
in the test suite, where every test is one transaction that never commits, the files would never
be written at all.

How a rollback is noticed. Django has no rollback hook, but every commit and rollback of an
atomic block goes through four methods of the connection: ``commit()`` and ``rollback()`` for
the outermost block, ``savepoint_rollback(sid)`` for a nested one, ``close()`` when the
connection is dropped. ``save_upload`` records the name on its connection with the savepoints
open at that moment (``connection.savepoint_ids``, exactly as Django records an ``on_commit``
callback) and, once per connection, wraps those four methods:

- ``savepoint_rollback(sid)`` succeeded: the files recorded while ``sid`` was open are deleted.
  A savepoint released (an inner block that succeeded) changes nothing: its files stay recorded
  with the enclosing block's savepoints, and go if an enclosing block rolls back later;
  a savepoint opened after a file was recorded (a sibling block) does not name it, so its
  rollback leaves the file alone.
- ``rollback()`` succeeded: every recorded file is deleted.
- ``commit()`` succeeded: the records are forgotten; the files stay.
- a commit, rollback or savepoint rollback that fails, and ``close()``: nothing is deleted. The
  outcome is then unknown (a COMMIT whose answer was lost may have committed), and deleting a
  committed file would break its row for good; such files are the sweep's.

This does not rely on ``on_commit`` callbacks: one that raises stops the callbacks registered
after it, although the transaction has committed. In the test suite, each test's transaction is
rolled back at its end, so the files a test stored go with it; a service's own atomic block is a
savepoint there, and its rollback removes its files at once, as in production.

A file saved outside any atomic block is not recorded (there is nothing to roll back); the row
saved after it is the caller's, and a failure there leaves an orphan for the sweep.

After a rollback the files are gone but the objects in memory still name them: build them
again before saving them in a new transaction (Django asks the same of every field of a model
instance after a rollback).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import connections, models, router
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

# Where the records live on a connection (one list per connection, so per thread).
_RECORDS = "_fugong_uploads"
# How many names the sweep checks against the database at a time.
BATCH = 500


# -- files stored inside a transaction ----------------------------------------------------------


@dataclass(frozen=True)
class _Stored:
    storage: Storage
    name: str
    savepoints: frozenset[str]  # the savepoints open when it was stored


def save_upload(field_file: FieldFile, name: str, content, *, using: str | None = None) -> str:
    """Store ``content`` as ``field_file`` (``field_file.save(name, content, save=False)``)
    and delete it again if the transaction it is stored in rolls back (module docstring).
    Returns the stored name: also what a create takes as the field's value, e.g.
    ``file=save_upload(Attachment(case=case).file, clean.content.name, clean.content)``.
    ``using`` is the database of the row that will name the file (default: the router's for
    the field's model)."""
    field_file.save(name, content, save=False)
    instance = field_file.instance
    alias = using or router.db_for_write(type(instance), instance=instance)
    connection = connections[alias]
    if connection.in_atomic_block:
        _records(connection).append(
            _Stored(field_file.storage, field_file.name, frozenset(connection.savepoint_ids))
        )
    return field_file.name


def _records(connection) -> list[_Stored]:
    """The connection's records, its four methods wrapped the first time."""
    records = connection.__dict__.get(_RECORDS)
    if records is not None:
        return records
    records = []
    commit, rollback = connection.commit, connection.rollback
    savepoint_rollback, close = connection.savepoint_rollback, connection.close

    def committed():
        commit()
        records.clear()

    def rolled_back():
        rollback()
        _remove(records)
        records.clear()

    def savepoint_rolled_back(sid):
        savepoint_rollback(sid)
        gone = [r for r in records if sid in r.savepoints]
        if gone:
            records[:] = [r for r in records if sid not in r.savepoints]
            _remove(gone)

    def closed():
        records.clear()  # the outcome is unknown: the sweep's
        close()

    connection.commit, connection.rollback = committed, rolled_back
    connection.savepoint_rollback, connection.close = savepoint_rolled_back, closed
    connection.__dict__[_RECORDS] = records
    return records


def _remove(records: list[_Stored]) -> None:
    """Delete the files of a rollback; a failure is logged (a count, never a name: names can
    carry personal data) and left to the sweep."""
    failed = 0
    for record in records:
        try:
            record.storage.delete(record.name)
        except Exception:  # noqa: BLE001 - the rollback itself must go on
            failed += 1
    if failed:
        logger.warning("%d file(s) of a rolled-back transaction could not be deleted", failed)


# -- the sweep ----------------------------------------------------------------------------------


@dataclass
class UploadRoot:
    """A top directory of a storage and the file fields that store under it."""

    storage: Storage
    path: str
    fields: list[tuple[type[models.Model], str]] = field(default_factory=list)


def grace_period() -> timedelta:
    """How old an unnamed file must be before the sweep deletes it: FUGONG_ORPHAN_GRACE_HOURS
    (default 24), so a file stored by a transaction still running is never taken."""
    return timedelta(hours=float(getattr(settings, "FUGONG_ORPHAN_GRACE_HOURS", 24)))


def _top_directory(model: type[models.Model], file_field: models.FileField) -> str | None:
    """The first directory of the names ``file_field`` stores: the fixed part of a string
    ``upload_to`` ("jobs/%Y/%m/" -> "jobs"), or of a name a callable one makes for a blank
    instance ("cases/None/x" -> "cases"). None when names go to the storage's root (the sweep
    then leaves the field alone: it would have to read the whole storage)."""
    upload_to = file_field.upload_to
    if callable(upload_to):
        try:
            sample = file_field.generate_filename(model(), "sample")
        except Exception:  # noqa: BLE001 - a callable that needs a real row: not swept
            return None
    else:
        sample = str(upload_to).split("%", 1)[0]
    head, slash, _rest = sample.replace("\\", "/").lstrip("/").partition("/")
    return head if slash and head not in ("", ".", "..") else None


def upload_roots() -> tuple[list[UploadRoot], int]:
    """The top directories of every FileField of every installed model (from the app
    registry), each with the fields that store under it; and how many fields were left out
    (no top directory)."""
    roots: dict[tuple[int, str], UploadRoot] = {}
    skipped = 0
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for model_field in model._meta.local_concrete_fields:
            if not isinstance(model_field, models.FileField):
                continue
            top = _top_directory(model, model_field)
            if top is None:
                skipped += 1
                continue
            storage = model_field.storage
            root = roots.setdefault((id(storage), top), UploadRoot(storage, top))
            root.fields.append((model, model_field.attname))
    return list(roots.values()), skipped


def _walk(storage: Storage, top: str) -> Iterator[tuple[str, float | None]]:
    """Each file under ``top`` as (name in the storage, modification time as a timestamp),
    streamed: on a local storage one directory entry at a time (``os.scandir``, symbolic links
    not followed); elsewhere through ``listdir``, one directory at a time."""
    if isinstance(storage, FileSystemStorage):
        yield from _walk_local(storage.path(top), top)
    else:
        yield from _walk_storage(storage, top)


def _walk_local(path: str, name: str) -> Iterator[tuple[str, float | None]]:
    try:
        entries = os.scandir(path)
    except (FileNotFoundError, NotADirectoryError):
        return
    with entries:
        for entry in entries:
            child = f"{name}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                yield from _walk_local(entry.path, child)
            elif entry.is_file(follow_symlinks=False):
                try:
                    yield child, entry.stat(follow_symlinks=False).st_mtime
                except FileNotFoundError:
                    continue


def _walk_storage(storage: Storage, name: str) -> Iterator[tuple[str, float | None]]:
    try:
        directories, files = storage.listdir(name)
    except (FileNotFoundError, NotADirectoryError):
        return
    for file_name in files:
        child = f"{name}/{file_name}"
        try:
            modified = storage.get_modified_time(child).timestamp()
        except (NotImplementedError, FileNotFoundError):
            modified = None  # unknown age: kept
        yield child, modified
    for directory in directories:
        yield from _walk_storage(storage, f"{name}/{directory}")


def _named(names: list[str], fields: list[tuple[type[models.Model], str]]) -> set[str]:
    """Which of ``names`` some row names, one query a field, stopping when all are found."""
    found: set[str] = set()
    left = names
    for model, attname in fields:
        rows = model._base_manager.using(router.db_for_read(model))
        found.update(rows.filter(**{f"{attname}__in": left}).values_list(attname, flat=True))
        left = [n for n in left if n not in found]
        if not left:
            break
    return found


def _holds_any(fields: list[tuple[type[models.Model], str]]) -> bool:
    rows = ((m._base_manager.using(router.db_for_read(m)), a) for m, a in fields)
    return any(q.exclude(**{a: ""}).exclude(**{f"{a}__isnull": True}).exists() for q, a in rows)


def sweep(*, dry_run: bool = False, grace: timedelta | None = None) -> dict[str, int]:
    """Delete the files under the upload directories that no row names and that are older
    than the grace period (``grace_period()``); with ``dry_run``, only count them. Returns
    the counts; logs counts only, never a name.

    A name is looked for first in the fields storing under its directory, then in every other
    file field of the same storage (a name copied from one field to another stays). A
    directory none of whose fields names any file at all is left alone, with a warning: that
    is an empty or wrong database (DATABASE_URL) beside a full storage far more often than
    every row deleted."""
    cutoff = (timezone.now() - (grace_period() if grace is None else grace)).timestamp()
    roots, skipped = upload_roots()
    counts = dict.fromkeys(
        ("files", "recent", "named", "orphaned", "deleted", "failed", "directories_skipped"), 0
    )
    counts["fields_skipped"] = skipped
    for root in roots:
        same_storage = [f for r in roots if r.storage is root.storage for f in r.fields]
        _Directory(root, same_storage, counts, dry_run=dry_run).sweep(cutoff)
    logger.info(
        "file sweep%s: %d file(s) seen, %d recent, %d named by a row, %d orphaned, "
        "%d deleted, %d could not be deleted",
        " (dry run)" if dry_run else "",
        counts["files"],
        counts["recent"],
        counts["named"],
        counts["orphaned"],
        counts["deleted"],
        counts["failed"],
    )
    return counts


class _Directory:
    """The sweep of one upload directory: its old files checked against the database
    ``BATCH`` names at a time, so memory stays bounded whatever the directory holds."""

    def __init__(self, root: UploadRoot, same_storage, counts: dict[str, int], *, dry_run: bool):
        self.root = root
        self.fields = root.fields + [f for f in same_storage if f not in root.fields]
        self.counts = counts
        self.dry_run = dry_run
        self.unnamed: bool | None = None  # no row names any file of the directory

    def sweep(self, cutoff: float) -> None:
        batch: list[str] = []
        for name, modified in _walk(self.root.storage, self.root.path):
            self.counts["files"] += 1
            if modified is None or modified > cutoff:
                self.counts["recent"] += 1
                continue
            batch.append(name)
            if len(batch) >= BATCH:
                self.check(batch)
                batch = []
        if batch:
            self.check(batch)

    def check(self, batch: list[str]) -> None:
        named = _named(batch, self.fields)
        orphans = [n for n in batch if n not in named]
        self.counts["named"] += len(batch) - len(orphans)
        if not orphans:
            return
        self.counts["orphaned"] += len(orphans)
        if self.unnamed is None:
            self.unnamed = not _holds_any(self.root.fields)
            if self.unnamed:
                self.counts["directories_skipped"] += 1
                logger.warning(
                    "file sweep: no row names any file under %s/; its files are left alone "
                    "(check DATABASE_URL, or delete them by hand)",
                    self.root.path,  # a directory of the code (upload_to), no personal data
                )
        if self.unnamed:
            return
        if self.dry_run:
            self.counts["deleted"] += len(orphans)  # would be
            return
        for name in orphans:
            try:
                self.root.storage.delete(name)
                self.counts["deleted"] += 1
            except Exception:  # noqa: BLE001 - one file that resists stops nothing
                self.counts["failed"] += 1


@task()
def sweep_files() -> dict[str, int]:
    """``sweep()`` in the background worker (enqueued when the server starts)."""
    return sweep()
