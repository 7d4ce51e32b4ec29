"""One import run through the engine, as a test drives it: upload, check, and (when the
check passed and ``confirm``) the commit, each job run in the test's thread."""

from __future__ import annotations

from fugong.core.imports import services
from fugong.core.imports.models import ImportBatch, ImportStatus
from fugong.core.jobs import execute


def run_import(
    kind: str,
    user,
    content: bytes,
    *,
    place=None,
    mode: str = "all",
    confirm: bool = True,
    filename: str = "台账.xlsx",
) -> ImportBatch:
    batch = services.batch_start(
        kind=kind,
        user=user,
        filename=filename,
        content=content,
        mode=mode,
        place=place,
        enqueue=False,
    )
    execute(batch.check_job_id)
    batch.refresh_from_db()
    if confirm and batch.status == ImportStatus.READY:
        batch = services.batch_confirm(user=user, batch=batch, enqueue=False)
        execute(batch.import_job_id)
        batch.refresh_from_db()
    return batch
