"""Backup and restore (issue 20 point 3): ``fugong backup`` writes one archive holding the
database and the uploaded files; ``fugong restore`` puts both back and checks every table.

The archive is a tar file::

    manifest.json        what is inside: format, when, the database's vendor, the migrations
                         applied, each table's row count and digest, the files and their
                         SHA-256, the ids of the field keys that sealed the personal data
    database.sqlite3     SQLite: a consistent copy made with SQLite's online backup
    database.pgdump      PostgreSQL: ``pg_dump --format=custom`` (restored with pg_restore)
    files/<name>         every file of the default storage (uploads, generated documents)

Each database is dumped with its own tool, so a restore is exact (types, sequences, indexes)
and quick; a backup restores into the same kind of database. The digest of a table is a
SHA-256 over its rows in primary-key order, read through Django's connection, so the restore
can prove that every table came back as it was (``verify``).

The personal data in the database stays encrypted with ``FUGONG_FIELD_KEYS``; the archive does
not hold the keys. A restore refuses to run where a key that sealed data is missing: that data
could not be read (keep the keys apart from the backups, docs/deployment.md).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.db import connections
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files/"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what to do."""


# ------------------------------------------------------------------------------ the tables
def table_digests(connection) -> dict[str, dict]:
    """``{table: {"rows": n, "sha256": hex}}`` of every table Django's connection sees (the
    task queue's and the sessions' too), rows in primary-key order (all columns where a
    table has none)."""
    out = {}
    with connection.cursor() as cursor:
        introspection = connection.introspection
        for table in sorted(introspection.table_names(cursor)):
            columns = [c.name for c in introspection.get_table_description(cursor, table)]
            pk = introspection.get_primary_key_columns(cursor, table) or columns
            quote = connection.ops.quote_name
            order = ", ".join(quote(c) for c in pk)
            cursor.execute(
                f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)} "  # noqa: S608
                f"ORDER BY {order}"
            )
            digest = hashlib.sha256()
            rows = 0
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    digest.update(repr(tuple(_plain(v) for v in row)).encode())
                rows += len(batch)
            out[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return out


def _plain(value):
    """The same value whichever driver read it (memoryview and bytes, aware datetimes)."""
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


def applied_migrations(connection) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


def _key_ids() -> list[str]:
    """The ids of the configured field keys (the keys themselves never leave settings)."""
    from fugong.core.crypto import keys as field_keys

    return [key_id for key_id, _key in field_keys()]


# ------------------------------------------------------------------------------ the files
def storage_files(storage: Storage, top: str = "") -> list[str]:
    """Every file's name in the storage, walked through its own ``listdir`` (local or S3)."""
    try:
        dirs, files = storage.listdir(top)
    except FileNotFoundError:
        return []
    names = [f"{top}{name}" for name in sorted(files)]
    for d in sorted(dirs):
        names += storage_files(storage, f"{top}{d}/")
    return names


def _sha256(fileobj) -> str:
    digest = hashlib.sha256()
    while chunk := fileobj.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------------------ databases
def _dump_database(connection, target: Path) -> str:
    """The database into ``target`` (a folder); the member's name."""
    vendor = connection.vendor
    if vendor == "sqlite":
        connection.ensure_connection()
        out = target / "database.sqlite3"
        copy = sqlite3.connect(out)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
        return out.name
    if vendor == "postgresql":
        out = target / "database.pgdump"
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={out}"],
            connection,
        )
        return out.name
    raise BackupError(f"Backing up a {vendor} database is not supported.")


def _load_database(connection, member: Path) -> None:
    vendor = connection.vendor
    if vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        connection.close()
        if name.startswith("file:") or name == ":memory:":
            # An in-memory database (the tests'): copy into it through SQLite's backup.
            connection.ensure_connection()
            source = sqlite3.connect(member)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
            return
        for suffix in ("-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        shutil.copyfile(member, name)
        return
    if vendor == "postgresql":
        # What the database held goes first, whole (a dump's own --clean cannot drop the
        # check-ins' partitions one by one); the dump recreates the schema and extensions.
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        connection.close()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                str(member),
            ],
            connection,
            dbname_flag=True,
        )
        connection.close()
        return
    raise BackupError(f"Restoring a {vendor} database is not supported.")


def _run(argv: list[str], connection, *, dbname_flag: bool = False) -> None:
    """pg_dump / pg_restore against the connection's database; the password through the
    environment, never on the command line."""
    conf = connection.settings_dict
    env = dict(os.environ)
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    where = []
    if conf.get("HOST"):
        where.append(f"--host={conf['HOST']}")
    if conf.get("PORT"):
        where.append(f"--port={conf['PORT']}")
    if conf.get("USER"):
        where.append(f"--username={conf['USER']}")
    database = [f"--dbname={conf['NAME']}"] if dbname_flag else [str(conf["NAME"])]
    try:
        done = subprocess.run(  # noqa: S603 - our own argv
            [*argv[:1], *where, *argv[1:], *database], env=env, capture_output=True, text=True
        )
    except FileNotFoundError as exc:
        raise BackupError(
            f"{argv[0]} is not installed: install the PostgreSQL client tools "
            "(apt-get install postgresql-client) of the server's version or newer."
        ) from exc
    if done.returncode != 0:
        raise BackupError(f"{argv[0]} failed: {done.stderr.strip()[:2000]}")


# ------------------------------------------------------------------------------ backup
@dataclass
class Summary:
    path: Path
    tables: int = 0
    rows: int = 0
    files: int = 0
    bytes: int = 0
    problems: list[str] = field(default_factory=list)


def create(
    path: Path | None = None,
    *,
    connection=None,
    storage: Storage | None = None,
) -> Summary:
    """Write the archive (default: ``FUGONG_DATA_DIR/backups/fugong-<time>.tar``)."""
    connection = connection or connections["default"]
    storage = storage or default_storage
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    path = Path(path) if path else Path(settings.DATA_DIR) / "backups" / f"fugong-{stamp}.tar"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="fugong-backup-") as work:
        member = _dump_database(connection, Path(work))
        # The digests of the copy just made, not of the live database (which moves on).
        tables = _digests_of_dump(connection, Path(work) / member)
        names = storage_files(storage)
        files = {}
        with tarfile.open(partial, "w") as tar:
            tar.add(Path(work) / member, arcname=member)
            for name in names:
                with storage.open(name, "rb") as handle:
                    digest = _sha256(handle)
                    size = handle.tell()
                    handle.seek(0)
                    info = tarfile.TarInfo(FILES + name)
                    info.size = size
                    info.mtime = int(timezone.now().timestamp())
                    tar.addfile(info, handle)
                files[name] = {"size": size, "sha256": digest}
            manifest = {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "vendor": connection.vendor,
                "database": member,
                "migrations": applied_migrations(connection),
                "tables": tables,
                "files": files,
                "field_keys": _key_ids(),
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
    os.replace(partial, path)
    return Summary(
        path=path,
        tables=len(tables),
        rows=sum(t["rows"] for t in tables.values()),
        files=len(files),
        bytes=path.stat().st_size,
    )


def _digests_of_dump(connection, member: Path) -> dict[str, dict]:
    """SQLite: read the copy itself. PostgreSQL: pg_dump reads one snapshot, and the live
    database's digests are taken right after; a write in between shows at restore as a
    difference in that table (a backup of a busy server is best taken with the site paused)."""
    if connection.vendor == "sqlite":
        copy = other_database(connection, NAME=str(member))
        try:
            return table_digests(copy)
        finally:
            forget(copy)
    return table_digests(connection)


def other_database(connection, **changes):
    """A second Django connection like ``connection`` with some settings changed."""
    from django.db.utils import load_backend

    conf = {**connection.settings_dict, **changes}
    alias = f"{connection.alias}-copy-{uuid.uuid4().hex[:8]}"
    wrapper = load_backend(conf["ENGINE"]).DatabaseWrapper(conf, alias=alias)
    # Registered under its alias: Django looks a connection up by it (transaction.atomic).
    connections[alias] = wrapper
    return wrapper


def forget(wrapper) -> None:
    """Close a connection made by ``other_database`` and drop its alias."""
    wrapper.close()
    del connections[wrapper.alias]


# ------------------------------------------------------------------------------ restore
def read_manifest(path: Path) -> dict:
    try:
        with tarfile.open(path, "r") as tar:
            member = tar.getmember(MANIFEST)
            manifest = json.load(tar.extractfile(member))
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"{path} is not a Fugong backup ({exc}).") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{path} is a backup of format {manifest.get('format')}; this version reads {FORMAT}."
        )
    return manifest


def restore(
    path: Path,
    *,
    connection=None,
    storage: Storage | None = None,
    replace: bool = False,
) -> Summary:
    """Put the archive's database and files back, then check every table against the
    manifest. Refuses a database that already holds users unless ``replace``."""
    path = Path(path)
    manifest = read_manifest(path)
    connection = connection or connections["default"]
    storage = storage or default_storage
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"This backup is of a {manifest['vendor']} database; the configured one is "
            f"{connection.vendor}. Restore it into a {manifest['vendor']} database."
        )
    missing = set(manifest["field_keys"]) - set(_key_ids())
    if missing:
        raise BackupError(
            "The personal data in this backup was sealed with field keys that FUGONG_FIELD_KEYS "
            f"does not hold ({', '.join(sorted(missing))}): set the keys used when it was made."
        )
    if not replace and _holds_data(connection):
        raise BackupError(
            "The database already holds data; restore into an empty database or pass "
            "--replace to overwrite it (all its data is lost)."
        )
    summary = Summary(path=path)
    with tempfile.TemporaryDirectory(prefix="fugong-restore-") as work, tarfile.open(path) as tar:
        member = tar.getmember(manifest["database"])
        tar.extract(member, work, filter="data")
        _load_database(connection, Path(work) / member.name)
        for info in tar.getmembers():
            if not info.isfile() or not info.name.startswith(FILES):
                continue
            name = info.name[len(FILES) :]
            expected = manifest["files"].get(name)
            handle = tar.extractfile(info)
            if expected is None or _sha256(handle) != expected["sha256"]:
                summary.problems.append(f"file {name}: not as backed up")
                continue
            handle.seek(0)
            if storage.exists(name):
                storage.delete(name)
            saved = storage.save(name, File(handle, name=name))
            if saved != name:
                summary.problems.append(f"file {name}: stored as {saved}")
            summary.files += 1
            summary.bytes += info.size
    summary.problems += verify(connection, manifest)
    summary.tables = len(manifest["tables"])
    summary.rows = sum(t["rows"] for t in manifest["tables"].values())
    return summary


def _holds_data(connection) -> bool:
    tables = connection.introspection.table_names()
    if "accounts_user" not in tables:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM accounts_user LIMIT 1")
        return cursor.fetchone() is not None


def verify(connection, manifest: dict) -> list[str]:
    """What differs between the database and the manifest's tables (nothing: restored)."""
    now = table_digests(connection)
    problems = []
    for table, expected in sorted(manifest["tables"].items()):
        got = now.get(table)
        if got is None:
            problems.append(f"table {table}: missing")
        elif got != expected:
            problems.append(
                f"table {table}: {got['rows']} rows, {expected['rows']} backed up"
                if got["rows"] != expected["rows"]
                else f"table {table}: rows differ from the backup"
            )
    problems += [
        f"table {t}: not in the backup" for t in sorted(set(now) - set(manifest["tables"]))
    ]
    return problems
