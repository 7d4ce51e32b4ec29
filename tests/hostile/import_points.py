"""Every place a user can feed a spreadsheet in, as one row of ``IMPORT_POINTS``.

An import point is a name and a ``feed(content, filename) -> Outcome`` that sends the file
through that importer the way a user would (the page and its background job, the API, the
command line, or the reader itself) as a user who may import, and returns what the user is
told. ``tests/hostile/test_spreadsheets.py`` tries every hostile spreadsheet of
``tests/hostile/spreadsheets.py`` on every point. **A new importer adds one line here** (and so
gets every bomb); the callables run inside a test with the database (the demo county).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

IMPORTER = "town01_cmd"  # a demo user who may import enterprises


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    """Whether the importer took the file (a hostile one never should)."""
    message: str
    """The sentence the user is shown."""
    status: int | None = None
    """The HTTP status of the answer, for the page and the API."""


@dataclass(frozen=True)
class ImportPoint:
    name: str
    feed: Callable[[bytes, str], Outcome]


def _user():
    from fugong.accounts.models import User

    return User.objects.get(username=IMPORTER)


def _run_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def feed_reader(content: bytes, filename: str) -> Outcome:
    """fugong.core.tabular.read_table, as every importer calls it."""
    from django.conf import settings

    from fugong.core.tabular import TabularError, read_table
    from fugong.enterprises.columns import COLUMNS

    try:
        table = read_table(
            content,
            filename=filename,
            columns=COLUMNS,
            max_bytes=settings.FUGONG_MAX_UPLOAD_MB * 1024 * 1024,
        )
        rows = sum(1 for _ in table.rows)
    except TabularError as exc:
        return Outcome(False, str(exc))
    return Outcome(True, f"{rows} rows")


def feed_enterprise_page(content: bytes, filename: str) -> Outcome:
    """/enterprises/import/: upload, the check job, then the batch page the user lands on."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from fugong.enterprises.models import ImportBatch, ImportStatus

    client = Client(raise_request_exception=False)
    client.force_login(_user())
    upload = SimpleUploadedFile(filename, content)
    with _run_on_commit():
        response = client.post("/enterprises/import/", {"file": upload, "mode": "all"})
    if response.status_code != 302:
        text = response.content.decode()
        found = re.search(r'data-testid="import-error">([^<]*)<', text)
        return Outcome(False, found[1] if found else "", response.status_code)
    page = client.get(response["Location"])
    batch = ImportBatch.objects.filter(created_by=_user()).latest("pk")
    accepted = batch.status in (ImportStatus.READY, ImportStatus.DONE)
    shown = re.search(r'data-testid="import-message">([^<]*)<', page.content.decode())
    return Outcome(accepted, _unescape(shown[1]) if shown else "", page.status_code)


def feed_enterprise_api(content: bytes, filename: str) -> Outcome:
    """POST /api/v1/enterprises/imports, then its status."""
    from django.test import Client

    from fugong.accounts.services import api_token_issue

    _token, raw = api_token_issue(user=_user())
    client = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {raw}"})
    from django.core.files.uploadedfile import SimpleUploadedFile

    with _run_on_commit():
        response = client.post(
            "/api/v1/enterprises/imports",
            {"file": SimpleUploadedFile(filename, content), "mode": "all"},
        )
    if response.status_code != 202:
        body = response.json() if response["Content-Type"].startswith("application/json") else {}
        return Outcome(False, body.get("message", ""), response.status_code)
    status = client.get(f"/api/v1/enterprises/imports/{response.json()['id']}")
    body = status.json()
    return Outcome(body["status"] in ("ready", "done"), body["message"], status.status_code)


def feed_enterprise_cli(content: bytes, filename: str) -> Outcome:
    """fugong import enterprises FILE --user NAME."""
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / filename
        path.write_bytes(content)
        out = io.StringIO()
        try:
            call_command("import", "enterprises", str(path), "--user", IMPORTER, stdout=out)
        except CommandError as exc:
            return Outcome(False, str(exc))
    return Outcome(True, out.getvalue())


def _unescape(text: str) -> str:
    import html

    return html.unescape(text).strip()


IMPORT_POINTS: list[ImportPoint] = [
    ImportPoint("reader", feed_reader),
    ImportPoint("enterprise import page", feed_enterprise_page),
    ImportPoint("enterprise import API", feed_enterprise_api),
    ImportPoint("enterprise import CLI", feed_enterprise_cli),
]
