"""No upload file without a row that names it (fugong/core/orphans.py): a file stored inside a
transaction goes when that transaction or its savepoint rolls back, stays when it commits; the
sweep deletes the old files no row names and keeps the named and the recent ones."""

from __future__ import annotations

import datetime
import io
import logging
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction

from fugong.core import registry
from fugong.core.apps import _sweep_files
from fugong.core.models import Job
from fugong.core.orphans import save_upload, sweep, upload_roots

DAY = 24 * 3600


class Refused(Exception):
    """What a service raises after it stored its files (a checklist refused)."""


@pytest.fixture
def storage(settings, tmp_path):
    """The default storage, in a directory of this test's own."""
    settings.MEDIA_ROOT = tmp_path
    return Job._meta.get_field("result_file").storage


def _job() -> Job:
    return Job.objects.create(kind="tests.files", title="files")


def _store(job: Job, text: str = "x") -> str:
    return save_upload(job.result_file, "result.txt", ContentFile(text.encode()))


def _age(storage, name: str, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(storage.path(name), (then, then))


# -- files stored inside a transaction ----------------------------------------------------------


def test_a_rolled_back_save_leaves_no_file(db, storage):
    with pytest.raises(Refused), transaction.atomic():
        name = _store(_job())
        assert storage.exists(name)
        raise Refused
    assert not storage.exists(name)


def test_a_committed_save_stays(db, storage):
    with transaction.atomic():
        job = _job()
        name = _store(job, "kept")
        job.save(update_fields=["result_file"])
    assert storage.exists(name)
    job.refresh_from_db()
    assert job.result_file.name == name and job.result_file.read() == b"kept"


def test_nested_blocks(db, storage):
    """An inner block that succeeded keeps its file only as long as the blocks around it; a
    block opened after a file was stored does not take it when it rolls back; an inner block
    that rolls back takes only its own files."""
    job = _job()
    with pytest.raises(Refused), transaction.atomic():
        with transaction.atomic():
            inner = _store(job)
        assert storage.exists(inner)
        raise Refused
    assert not storage.exists(inner)

    with transaction.atomic():
        before = _store(job)
        with pytest.raises(Refused), transaction.atomic():
            within = _store(job)
            with transaction.atomic(savepoint=False):
                without_savepoint = _store(job)
            raise Refused
        after = _store(job)
    assert storage.exists(before) and storage.exists(after)
    assert not storage.exists(within) and not storage.exists(without_savepoint)


def test_outside_a_transaction_nothing_is_recorded(storage):
    """In autocommit there is nothing to roll back: the file is stored and not recorded."""
    from django.db import connections

    name = _store(Job(kind="tests.files", title="files"))
    assert storage.exists(name)
    records = connections["default"].__dict__.get("_fugong_uploads", [])
    assert name not in [r.name for r in records]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_demo_back_afterwards")
class TestRealTransactions:
    """Real commits and rollbacks of the outermost transaction (not the test's savepoints)."""

    def test_commit_keeps_and_rollback_removes(self, storage):
        with transaction.atomic():
            job = _job()
            kept = _store(job)
            job.save(update_fields=["result_file"])
        with pytest.raises(Refused), transaction.atomic():
            job = _job()
            gone = _store(job)
            with transaction.atomic():  # released, then rolled back with the outer block
                inner = _store(job)
            job.save(update_fields=["result_file"])
            raise Refused
        assert storage.exists(kept)
        assert not storage.exists(gone) and not storage.exists(inner)
        assert Job.objects.filter(result_file=kept).exists()

    def test_a_failing_commit_callback_does_not_take_a_committed_file(self, storage):
        """A callback registered before the file raises after the commit: the callbacks after
        it never run, yet the file's row is committed; the next rollback must not take it."""

        def fail():
            raise RuntimeError("a queue that could not be reached")

        with pytest.raises(RuntimeError), transaction.atomic():
            transaction.on_commit(fail)
            job = _job()
            name = _store(job)
            job.save(update_fields=["result_file"])
        assert Job.objects.filter(result_file=name).exists()
        with pytest.raises(Refused), transaction.atomic():
            _job()
            raise Refused
        assert storage.exists(name)


# -- the sweep ----------------------------------------------------------------------------------


def test_upload_directories_come_from_the_app_registry():
    roots, _skipped = upload_roots()
    found = {
        (root.path, f"{model._meta.label}.{attname}")
        for root in roots
        for model, attname in root.fields
    }
    assert {
        ("jobs", "core.Job.result_file"),
        ("imports", "core.ImportBatch.file"),
        ("imports", "core.ImportBatch.error_file"),
        ("cases", "cases.CaseAttachment.file"),
        ("visits", "cases.VisitPhoto.file"),
        ("filings", "resumption.FilingAttachment.file"),
        ("acceptance", "resumption.AcceptanceAnswer.photo"),
    } <= found


def test_sweep_removes_old_unnamed_files_only(db, storage, caplog):
    job = _job()
    named = _store(job, "named")
    job.save(update_fields=["result_file"])
    orphan = storage.save("jobs/2026/01/orphan-13800138000.txt", ContentFile(b"orphan"))
    fresh = storage.save("jobs/2026/12/fresh.txt", ContentFile(b"fresh"))
    deep = storage.save("jobs/2026/01/a/b/deep.txt", ContentFile(b"deep"))
    for name in (named, orphan, deep):
        _age(storage, name, 2 * DAY)
    _age(storage, fresh, 3600)

    dry = sweep(dry_run=True)
    assert (dry["files"], dry["recent"], dry["named"], dry["orphaned"]) == (4, 1, 1, 2)
    assert dry["deleted"] == 2 and storage.exists(orphan) and storage.exists(deep)

    caplog.set_level(logging.INFO, logger="fugong.core.orphans")
    done = sweep()
    assert (done["orphaned"], done["deleted"], done["failed"]) == (2, 2, 0)
    assert not storage.exists(orphan) and not storage.exists(deep)
    assert storage.exists(named) and storage.exists(fresh)
    assert "13800138000" not in caplog.text  # counts, never names
    assert not any(name in caplog.text for name in (named, orphan, fresh, deep))

    again = sweep(grace=datetime.timedelta(0))  # no grace: the fresh one goes too
    assert again["deleted"] == 1 and not storage.exists(fresh) and storage.exists(named)


def test_sweep_checks_names_in_batches(db, storage, monkeypatch):
    from fugong.core import orphans

    monkeypatch.setattr(orphans, "BATCH", 3)
    job = _job()
    named = _store(job)
    job.save(update_fields=["result_file"])
    names = [named] + [storage.save(f"jobs/old/{i}.txt", ContentFile(b"x")) for i in range(7)]
    for name in names:
        _age(storage, name, 2 * DAY)
    done = sweep()
    assert (done["named"], done["deleted"]) == (1, 7)
    assert [storage.exists(n) for n in names] == [True] + [False] * 7


def test_sweep_lists_a_storage_without_local_paths(db, storage, monkeypatch):
    """An S3-like storage (no ``path()``) is listed through ``listdir``, directory by
    directory, each file's age asked of the storage."""
    from django.core.files.storage import InMemoryStorage

    memory = InMemoryStorage()
    monkeypatch.setattr(Job._meta.get_field("result_file"), "storage", memory)
    job = _job()
    named = _store(job)
    job.save(update_fields=["result_file"])
    orphan = memory.save("jobs/2026/01/deep/orphan.txt", ContentFile(b"x"))
    assert sweep()["deleted"] == 0  # both within the grace period
    done = sweep(grace=datetime.timedelta(0))
    assert (done["files"], done["named"], done["deleted"]) == (2, 1, 1)
    assert memory.exists(named) and not memory.exists(orphan)


def test_sweep_leaves_a_directory_no_row_names_anything_in(db, storage, caplog):
    """An empty or wrong database beside a full storage must not empty the storage."""
    Job.objects.exclude(result_file="").update(result_file="")
    orphan = storage.save("jobs/2026/01/orphan.txt", ContentFile(b"x"))
    _age(storage, orphan, 2 * DAY)
    done = sweep()
    assert (done["orphaned"], done["deleted"], done["directories_skipped"]) == (1, 0, 1)
    assert storage.exists(orphan)
    assert "jobs/" in caplog.text


def test_command_and_startup_task(db, storage):
    job = _job()
    job.result_file = storage.save("jobs/named.txt", ContentFile(b"x"))
    job.save(update_fields=["result_file"])
    orphan = storage.save("jobs/orphan.txt", ContentFile(b"x"))
    for name in (job.result_file.name, orphan):
        _age(storage, name, 2 * DAY)

    out = io.StringIO()
    call_command("sweep_files", "--dry-run", stdout=out)
    assert "1 would be deleted" in out.getvalue() and storage.exists(orphan)

    assert _sweep_files in registry.startup_tasks()
    _sweep_files(None)  # enqueued; the test settings run tasks at once
    assert not storage.exists(orphan) and storage.exists(job.result_file.name)
