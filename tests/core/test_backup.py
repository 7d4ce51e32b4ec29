"""``fugong backup`` and ``fugong restore`` (issue 20 point 3): a backup of the demo county
restored into a fresh database and a fresh file store gives back every table, row for row,
and every file, byte for byte; on SQLite and on PostgreSQL."""

from __future__ import annotations

import tarfile
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from fugong.core import backup


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database of the same kind as the tests'."""
    if connection.vendor == "sqlite":
        fresh = backup.other_database(connection, NAME=str(tmp_path / "fresh.sqlite3"))
        yield fresh
        backup.forget(fresh)
        return
    name = f"fugong_restore_{uuid.uuid4().hex[:10]}"
    admin = backup.other_database(connection, NAME="postgres")
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    fresh = backup.other_database(connection, NAME=name)
    try:
        yield fresh
    finally:
        backup.forget(fresh)
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        backup.forget(admin)


class TestBackup:
    """Committed data (a backup reads the database as other connections see it, and SQLite's
    online backup waits for the test's own open transaction); one reload of the demo after."""

    def test_a_backup_restored_into_a_fresh_database_gives_back_every_table_and_file(
        self, committed_demo, tmp_path, fresh_database
    ):
        default_storage.save(
            f"backup-test/{uuid.uuid4().hex}.txt", ContentFile("复工复产".encode())
        )
        archive = tmp_path / "fugong.tar"
        made = backup.create(archive)
        assert made.tables > 40 and made.rows > 1000 and made.files >= 1
        manifest = backup.read_manifest(archive)
        assert manifest["vendor"] == connection.vendor
        assert "accounts.0001_initial" in manifest["migrations"]

        store = FileSystemStorage(location=tmp_path / "media")
        restored = backup.restore(archive, connection=fresh_database, storage=store)
        assert restored.problems == []
        # Every table compared with the live one, not only with the manifest.
        live = backup.table_digests(connection)
        again = backup.table_digests(fresh_database)
        assert again == live
        assert again["enterprises_enterprise"]["rows"] > 20
        for name in backup.storage_files(default_storage):
            with default_storage.open(name, "rb") as a, store.open(name, "rb") as b:
                assert a.read() == b.read(), name

        # A database that holds data is not overwritten unless asked.
        with pytest.raises(backup.BackupError, match="already holds data"):
            backup.restore(archive, connection=fresh_database, storage=store)
        assert (
            backup.restore(archive, connection=fresh_database, storage=store, replace=True).problems
            == []
        )

    def test_a_changed_table_is_reported(self, committed_demo, tmp_path, fresh_database):
        archive = tmp_path / "fugong.tar"
        backup.create(archive)
        backup.restore(
            archive, connection=fresh_database, storage=FileSystemStorage(tmp_path / "m")
        )
        with fresh_database.cursor() as cursor:
            cursor.execute(
                "UPDATE enterprises_enterprise SET name = name || 'x' WHERE id = "
                "(SELECT MIN(id) FROM enterprises_enterprise)"
            )
        problems = backup.verify(fresh_database, backup.read_manifest(archive))
        assert problems == ["table enterprises_enterprise: rows differ from the backup"]

    def test_what_cannot_be_restored_is_refused_with_a_reason(
        self, committed_demo, tmp_path, monkeypatch
    ):
        other = tmp_path / "other.tar"
        with tarfile.open(other, "w") as tar:
            tar.add(__file__, arcname="notes.py")
        with pytest.raises(backup.BackupError, match="not a Fugong backup"):
            backup.read_manifest(other)

        archive = tmp_path / "fugong.tar"
        backup.create(archive)
        monkeypatch.setattr(backup, "_key_ids", lambda: ["another-key"])
        with pytest.raises(backup.BackupError, match="FUGONG_FIELD_KEYS"):
            backup.restore(archive, replace=True)

    def test_the_commands(self, committed_demo, tmp_path, capsys):
        archive = tmp_path / "b.tar"
        call_command("backup", "--output", str(archive))
        assert "Backed up" in capsys.readouterr().out and archive.exists()
        with pytest.raises(CommandError, match="--replace"):
            call_command("restore", str(archive))
        with pytest.raises(CommandError, match="not a Fugong backup"):
            call_command("restore", __file__)
