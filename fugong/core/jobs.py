"""Background jobs: a Job row the user can watch, run by a django-tasks task.

A job kind is a function registered with ``@job_handler("app.kind")``. It receives a
``JobContext`` to report progress and messages and returns a dict saved as the job's result.
By default the handler runs in one transaction, so a failing job leaves its error message and
nothing half-written. A handler that only reads (an export) registers with ``atomic=False``:
on SQLite a transaction holds the one write lock, and a long read-only job must not make
every page wait for it.

Live progress goes to the cache (file cache on one machine, Redis at scale) because the
job's own transaction holds the database while it runs; the Job row gets the final figures.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.core.cache import cache
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from fugong.core.errors import UserError
from fugong.core.models import Job, JobStatus

logger = logging.getLogger(__name__)

Handler = Callable[["JobContext"], dict | None]
FailureHook = Callable[[Job, str], None]
_HANDLERS: dict[str, tuple[Handler, bool, FailureHook | None]] = {}


class JobError(Exception):
    """A failure the user can act on; its message is shown as it is."""


def job_handler(
    kind: str, *, atomic: bool = True, on_failure: FailureHook | None = None
) -> Callable[[Handler], Handler]:
    """Register a job kind. ``on_failure(job, message)`` runs after a failed job's writes
    were rolled back, to record the failure on the job's own objects."""

    def register(func: Handler) -> Handler:
        _HANDLERS[kind] = (func, atomic, on_failure)
        return func

    return register


# Fields the worker writes when a job ends; never task_result_id, which the enqueuing side
# may be writing at the same moment.
FINISH_FIELDS = ["status", "done", "total", "messages", "result_file", "finished_at"]


def _progress_key(job_id: int) -> str:
    return f"fugong:job:{job_id}:progress"


@dataclass
class JobContext:
    job: Job

    @property
    def params(self) -> dict:
        return self.job.params

    @property
    def user(self):
        return self.job.created_by

    def progress(self, done: int, total: int | None = None) -> None:
        self.job.done = done
        if total is not None:
            self.job.total = total
        cache.set(_progress_key(self.job.pk), (self.job.done, self.job.total), timeout=86400)

    def message(self, text: str) -> None:
        self.job.messages.append(text)

    def save_file(self, name: str, content: bytes | IO[bytes]) -> None:
        """Attach the result file: bytes, or an open binary file (streamed, not loaded)."""
        data = ContentFile(content) if isinstance(content, bytes) else File(content)
        self.job.result_file.save(name, data, save=False)


def live_progress(job: Job) -> tuple[int, int]:
    if job.status == JobStatus.RUNNING:
        cached = cache.get(_progress_key(job.pk))
        if cached:
            return cached
    return job.done, job.total


@transaction.atomic
def job_start(
    *, kind: str, title: str, user, params: dict | None = None, enqueue: bool = True
) -> Job:
    """Create the Job and enqueue it once the surrounding transaction commits
    (``enqueue=False``: the caller runs it itself with ``execute``, e.g. a command line)."""
    if kind not in _HANDLERS:
        raise JobError(_("Unknown kind of job: %(kind)s") % {"kind": kind})
    job = Job.objects.create(kind=kind, title=title, created_by=user, params=params or {})
    if enqueue:
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    result = run_job.enqueue(job_id)
    Job.objects.filter(pk=job_id, task_result_id="").update(task_result_id=str(result.id))


def execute(job_id: int) -> Job:
    """Run one job now (the worker calls this through the task)."""
    job = Job.objects.select_related("created_by").get(pk=job_id)
    if job.is_finished:
        return job
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    job.status = JobStatus.RUNNING
    ctx = JobContext(job=job)
    try:
        handler, atomic, _hook = _HANDLERS[job.kind]
        with transaction.atomic() if atomic else contextlib.nullcontext():
            result = handler(ctx) or {}
    except (JobError, UserError) as exc:
        _finish_failed(job, str(exc))
    except Exception:  # noqa: BLE001 - a job never crashes the worker; the user gets a message
        logger.error("job %s (%s) failed:\n%s", job.pk, job.kind, traceback.format_exc())
        _finish_failed(job, _("The job stopped because of an internal error; nothing was saved."))
    else:
        job.status = JobStatus.SUCCEEDED
        job.result = result
        job.finished_at = timezone.now()
        if job.total == 0:
            job.total = job.done
        job.save(update_fields=[*FINISH_FIELDS, "result"])
    cache.delete(_progress_key(job.pk))
    return job


def _finish_failed(job: Job, message: str) -> None:
    _record_failure(job, message)
    hook = _HANDLERS.get(job.kind, (None, None, None))[2]
    if hook is not None:
        try:
            hook(job, message)
        except Exception:  # noqa: BLE001 - the job's own failure is what the user must see
            logger.exception("failure hook of job %s failed", job.pk)


def _record_failure(job: Job, message: str) -> None:
    # The handler's writes were rolled back; drop any file it already stored too.
    if job.result_file:
        job.result_file.delete(save=False)
    job.result_file = ""
    job.status = JobStatus.FAILED
    job.error = message
    job.finished_at = timezone.now()
    job.save(update_fields=[*FINISH_FIELDS, "error"])


def recover_interrupted_jobs() -> int:
    """Mark jobs left running by a worker that was stopped as failed. Only safe when no
    worker is running (``fugong serve`` calls it on one machine before starting its worker)."""
    return Job.objects.filter(status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED,
        error=_("The job was interrupted by a restart; nothing was saved. Please start it again."),
        finished_at=timezone.now(),
    )


@task()
def run_job(job_id: int) -> None:
    execute(job_id)
