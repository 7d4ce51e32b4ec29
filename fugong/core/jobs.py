"""Background jobs: a Job row the user can watch, run by a django-tasks task.

A job kind is a function registered with ``@job_handler("app.kind")``. It receives a
``JobContext`` to report progress and messages and returns a dict saved as the job's result.
By default the handler runs in one transaction, so a failing job leaves its error message and
nothing half-written. A handler that only reads (an export) registers with ``atomic=False``:
on SQLite a transaction holds the one write lock, and a long read-only job must not make
every page wait for it.

Live progress goes to the cache (file cache on one machine, Redis at scale) because the
job's own transaction holds the database while it runs; the Job row gets the final figures.
So does the heartbeat: while a job runs, a thread of the process running it writes (host,
process id, time) to the cache every few seconds. ``recover_interrupted_jobs()`` fails the
running jobs whose process is gone (same host, process no longer alive) or whose heartbeat is
older than ``FUGONG_JOB_STALE_SECONDS`` (any host), and runs their ``on_failure`` hooks.

Which status follows which is the table ``JOBS`` on the workflow engine
(``fugong.core.workflow``): queued -> running (start) -> succeeded (succeed) or failed (fail),
running -> failed (interrupt, by recovery). Every step is a process's, never a user's (there
is no cancel), so each is taken with ``JOBS.system_step``: one conditional UPDATE on the
statuses the table allows, which is what keeps two workers, or a worker and recovery, from
both moving a job. Whoever loses the race leaves the job alone: a second worker does not run
a job already started, a worker does not mark succeeded (nor run the failure hook of) a job
recovery has failed, and an atomic handler's writes are rolled back in that case, since the
succeed step is taken inside its transaction. Steps send ``transitioned`` after commit.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from fugong.core.busy import busy_job_message, is_database_busy
from fugong.core.errors import UserError
from fugong.core.models import Job, JobStatus
from fugong.core.orphans import save_upload
from fugong.core.workflow import Workflow, transition

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


S = JobStatus
RUNNER = "job runner"  # the system actors taking the steps
RECOVERY = "job recovery"

# The statuses of a job and which follow which (see the module docstring). Labels are for
# the engine's messages only: no page shows a button for these steps.
JOBS = Workflow(
    "core.job",
    [
        transition("start", "start", [S.QUEUED], S.RUNNING),
        transition("succeed", "succeed", [S.RUNNING], S.SUCCEEDED),
        transition("fail", "fail", [S.RUNNING], S.FAILED),
        transition("interrupt", "interrupt", [S.RUNNING], S.FAILED),
    ],
    revision_field=None,
)


def _progress_key(job_id: int) -> str:
    return f"fugong:job:{job_id}:progress"


def _heartbeat_key(job_id: int) -> str:
    return f"fugong:job:{job_id}:heartbeat"


def _stale_after() -> float:
    return float(getattr(settings, "FUGONG_JOB_STALE_SECONDS", 120))


class _Heartbeat:
    """Writes ``{"host", "pid", "at"}`` for a running job to the cache every few seconds, from
    a thread, so a handler busy in one long call (reading a workbook) still beats. It stops
    when the job ends and, of course, when the process dies."""

    def __init__(self, job_id: int):
        self.key = _heartbeat_key(job_id)
        self.interval = max(1.0, _stale_after() / 6)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat")
        self.thread.daemon = True

    def beat(self) -> None:
        try:
            cache.set(
                self.key,
                {"host": socket.gethostname(), "pid": os.getpid(), "at": time.time()},
                timeout=int(_stale_after() * 10),
            )
        except Exception:  # noqa: BLE001 - a cache hiccup must not fail the job
            logger.warning("could not write the heartbeat %s", self.key, exc_info=True)

    def _run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.beat()

    def __enter__(self) -> _Heartbeat:
        self.beat()
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        try:
            cache.delete(self.key)
        except Exception:  # noqa: BLE001 - the beat expires on its own
            logger.warning("could not remove the heartbeat %s", self.key, exc_info=True)


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
        save_upload(self.job.result_file, name, data)  # gone again if the job rolls back


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
    job = Job.objects.create(
        kind=kind,
        title=title,
        created_by=user,
        params=params or {},
        language=translation.get_language() or "",
    )
    if enqueue:
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    result = run_job.enqueue(job_id)
    Job.objects.filter(pk=job_id, task_result_id="").update(task_result_id=str(result.id))


def execute(job_id: int) -> Job:
    """Run one job now (the worker calls this through the task). A job that is no longer
    queued (finished, or started by another worker) is returned as it is, not run again."""
    job = Job.objects.select_related("created_by").get(pk=job_id)
    if job.is_finished:
        return job
    if not JOBS.system_step(job, action="start", actor=RUNNER, started_at=timezone.now()):
        job.refresh_from_db()
        return job
    # The job speaks the language of the page that started it (row errors, messages, files).
    with _Heartbeat(job.pk), translation.override(job.language or settings.LANGUAGE_CODE):
        return _execute(job)


def _execute(job: Job) -> Job:
    ctx = JobContext(job=job)
    try:
        handler, atomic, _hook = _HANDLERS[job.kind]
        with transaction.atomic() if atomic else contextlib.nullcontext():
            result = handler(ctx) or {}
            if not _finish_succeeded(job, result):
                # Declared dead meanwhile (its heartbeat stalled) and already reported as
                # failed: roll back rather than write what the user was told was not written.
                if atomic:
                    raise JobError(_interrupted_message())
                if job.result_file:  # a read-only job's file nobody will be offered
                    job.result_file.delete(save=False)
                job.refresh_from_db()
    except (JobError, UserError) as exc:
        _finish_failed(job, str(exc))
    except MemoryError:
        logger.error("job %s (%s) ran out of memory", job.pk, job.kind)
        _finish_failed(
            job,
            _(
                "The job needed more memory than the server allows and was stopped; nothing "
                "was saved. If it reads a file, split the file into smaller ones."
            ),
        )
    except Exception as exc:  # noqa: BLE001 - a job never crashes the worker; the user is told
        if is_database_busy(exc):  # SQLite's write lock held past the busy timeout
            logger.warning("job %s (%s) could not write: database busy", job.pk, job.kind)
            _finish_failed(job, busy_job_message())
        else:
            logger.error("job %s (%s) failed:\n%s", job.pk, job.kind, traceback.format_exc())
            _finish_failed(
                job, _("The job stopped because of an internal error; nothing was saved.")
            )
    cache.delete(_progress_key(job.pk))
    return job


def _finished_values(job: Job) -> dict:
    """What the worker writes when a job ends, besides the status and the result or error;
    never task_result_id, which the enqueuing side may be writing at the same moment."""
    return {
        "done": job.done,
        "total": job.total,
        "messages": job.messages,
        "result_file": job.result_file.name or "",
        "finished_at": timezone.now(),
    }


def _finish_succeeded(job: Job, result: dict) -> bool:
    """Take the succeed step; False if the job is no longer running (recovery failed it)."""
    if job.total == 0:
        job.total = job.done
    return JOBS.system_step(
        job, action="succeed", actor=RUNNER, result=result, **_finished_values(job)
    )


def _finish_failed(job: Job, message: str) -> None:
    if _record_failure(job, message):
        _run_hook(job, message)
    else:  # recovery failed it first and ran the hook
        job.refresh_from_db()


def _run_hook(job: Job, message: str) -> None:
    hook = _HANDLERS.get(job.kind, (None, None, None))[2]
    if hook is not None:
        try:
            hook(job, message)
        except Exception:  # noqa: BLE001 - the job's own failure is what the user must see
            logger.exception("failure hook of job %s failed", job.pk)


def _record_failure(job: Job, message: str) -> bool:
    """Take the fail step; False if the job is no longer running (recovery failed it)."""
    # The handler's writes were rolled back; drop any file it already stored too.
    if job.result_file:
        job.result_file.delete(save=False)
    job.result_file = ""
    return JOBS.system_step(
        job, action="fail", actor=RUNNER, error=message, **_finished_values(job)
    )


def _interrupted_message() -> str:
    return _(
        "The job stopped because the process running it ended (a restart or a crash); "
        "nothing was saved. Start it again."
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OSError:
        return False
    return True


def job_is_dead(job: Job, *, stale_after: float | None = None, now: float | None = None) -> bool:
    """Whether a running job has lost the process running it: its heartbeat names a process
    of this host that no longer exists, or is older than ``stale_after`` seconds (default
    ``FUGONG_JOB_STALE_SECONDS``), or is missing although the job started that long ago."""
    stale_after = _stale_after() if stale_after is None else stale_after
    now = time.time() if now is None else now
    beat = cache.get(_heartbeat_key(job.pk))
    if not beat:
        started = job.started_at or job.created_at
        return started is None or now - started.timestamp() >= stale_after
    if beat.get("host") == socket.gethostname() and not _pid_alive(int(beat.get("pid", 0))):
        return True
    return now - float(beat.get("at", 0)) >= stale_after


def recover_interrupted_jobs(*, everything: bool = False, stale_after: float | None = None) -> int:
    """Fail the running jobs whose process died (see :func:`job_is_dead`), with a message
    asking the user to start them again, and run their ``on_failure`` hooks (an import's
    batch is marked failed too, so it can be started again). Safe while other workers run,
    on this machine or others. ``everything=True`` fails every running job: only when no
    worker is running anywhere."""
    recovered = 0
    message = _interrupted_message()
    for job in Job.objects.filter(status=JobStatus.RUNNING).order_by("pk"):
        if not everything and not job_is_dead(job, stale_after=stale_after):
            continue
        claimed = JOBS.system_step(
            job, action="interrupt", actor=RECOVERY, error=message, finished_at=timezone.now()
        )
        if not claimed:
            continue  # it finished meanwhile
        recovered += 1
        if job.result_file:
            job.result_file.delete(save=False)
            Job.objects.filter(pk=job.pk).update(result_file="")
        cache.delete(_progress_key(job.pk))
        logger.warning("job %s (%s) lost its process; marked as failed", job.pk, job.kind)
        _run_hook(job, message)
    return recovered


@task()
def run_job(job_id: int) -> None:
    execute(job_id)
