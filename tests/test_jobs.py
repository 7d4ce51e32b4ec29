"""Background jobs: status, progress, messages, result file; failures leave nothing behind."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from fugong.accounts.models import Jurisdiction
from fugong.core import jobs
from fugong.core.jobs import JobContext, JobError, execute, job_handler, job_start
from fugong.core.models import Job, JobStatus
from fugong.enterprises.models import Park

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_heartbeats_left():
    """Job ids are reused after each test's rollback; the cache is not rolled back."""
    cache.clear()
    yield
    cache.clear()


@job_handler("tests.count_parks")
def count_parks(ctx: JobContext) -> dict:
    parks = list(Park.objects.order_by("pk"))
    ctx.progress(0, len(parks))
    for i, _park in enumerate(parks, start=1):
        ctx.progress(i)
    ctx.message(f"{len(parks)} parks")
    ctx.save_file("parks.txt", "\n".join(p.name for p in parks).encode())
    return {"parks": len(parks)}


@job_handler("tests.half_then_fail")
def half_then_fail(ctx: JobContext) -> dict:
    county = Jurisdiction.objects.get(level="county")
    Park.objects.create(name="写了一半的园区", jurisdiction=county)
    ctx.save_file("partial.txt", b"partial")
    if ctx.params.get("crash"):
        raise RuntimeError("boom")
    raise JobError("第 3 行的信用代码校验位错误,未写入任何数据。")


def run(kind: str, user, **params) -> Job:
    job = job_start(kind=kind, title="test", user=user, params=params)
    return execute(job.pk)


def test_job_runs_on_commit_and_reports_progress(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="tests.count_parks", title="统计园区", user=user("admin"))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.done == job.total == Park.objects.count() and job.percent == 100
    assert job.result == {"parks": Park.objects.count()}
    assert job.messages == [f"{Park.objects.count()} parks"]
    assert job.result_file.read().decode().count("\n") == Park.objects.count() - 1


def test_failing_job_keeps_its_message_and_writes_nothing(user):
    job = run("tests.half_then_fail", user("admin"))
    assert job.status == JobStatus.FAILED
    assert job.error == "第 3 行的信用代码校验位错误,未写入任何数据。"
    assert not Park.objects.filter(name="写了一半的园区").exists()
    assert not job.result_file


def test_crashing_job_gives_a_plain_message(user, caplog):
    job = run("tests.half_then_fail", user("admin"), crash=True)
    assert job.status == JobStatus.FAILED
    assert "boom" not in job.error and job.error
    assert not Park.objects.filter(name="写了一半的园区").exists()


def test_unknown_job_kind_is_refused(user):
    with pytest.raises(JobError):
        job_start(kind="no.such.kind", title="x", user=user("admin"))


def test_jobs_are_private_to_who_started_them(client, login, user):
    job = run("tests.count_parks", user("town01_cmd"))
    login("town02_cmd")
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    login("town01_cmd")
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200 and 'data-status="succeeded"' in page.content.decode()
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content)


def test_progress_partial_for_htmx_polling(client, login):
    owner = login("town01_cmd")
    job = Job.objects.create(
        kind="tests.count_parks",
        title="x",
        created_by=owner,
        status=JobStatus.RUNNING,
        total=10,
        done=3,
    )
    partial = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "30%" in partial and "hx-trigger" in partial and "<html" not in partial
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, done=10)
    partial = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "100%" in partial and "hx-trigger" not in partial


def dead_pid() -> int:
    """The id of a process of this machine that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    child.wait()
    return child.pid


def running_job(user, **fields) -> Job:
    return Job.objects.create(
        kind="tests.count_parks",
        title="x",
        created_by=user("admin"),
        status=JobStatus.RUNNING,
        started_at=timezone.now(),
        **fields,
    )


def beat(job: Job, *, host: str | None = None, pid: int | None = None, age: float = 0) -> None:
    cache.set(
        jobs._heartbeat_key(job.pk),
        {"host": host or socket.gethostname(), "pid": pid or os.getpid(), "at": time.time() - age},
    )


def test_a_job_whose_process_died_is_failed(user):
    job = running_job(user)
    beat(job, pid=dead_pid())
    assert jobs.recover_interrupted_jobs() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at
    assert "Start it again" in job.error or "重新" in job.error


def test_a_job_still_running_is_left_alone(user):
    mine = running_job(user)
    beat(mine)  # this process: alive
    elsewhere = running_job(user)
    beat(elsewhere, host="worker-2.internal", pid=1, age=5)  # another machine, beating
    assert jobs.recover_interrupted_jobs() == 0
    assert Job.objects.filter(pk__in=[mine.pk, elsewhere.pk], status=JobStatus.RUNNING).count() == 2
    assert jobs.recover_interrupted_jobs(everything=True) == 2


def test_a_job_on_another_machine_that_stopped_beating_is_failed(user, settings):
    settings.FUGONG_JOB_STALE_SECONDS = 60
    job = running_job(user)
    beat(job, host="worker-2.internal", pid=1, age=61)
    assert jobs.recover_interrupted_jobs() == 1


def test_a_running_job_without_heartbeat_is_failed_once_stale(user, settings):
    settings.FUGONG_JOB_STALE_SECONDS = 60
    fresh = running_job(user)
    old = running_job(user)
    Job.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(seconds=61))
    assert jobs.recover_interrupted_jobs() == 1
    assert Job.objects.get(pk=old.pk).status == JobStatus.FAILED
    assert Job.objects.get(pk=fresh.pk).status == JobStatus.RUNNING


@job_handler("tests.heartbeat")
def read_heartbeat(ctx: JobContext) -> dict:
    return {"beat": cache.get(jobs._heartbeat_key(ctx.job.pk))}


def test_a_running_job_beats(user):
    job = run("tests.heartbeat", user("admin"))
    assert job.result["beat"]["pid"] == os.getpid()
    assert job.result["beat"]["host"] == socket.gethostname()
    assert cache.get(jobs._heartbeat_key(job.pk)) is None  # gone once it ended


@job_handler("tests.declared_dead_meanwhile")
def declared_dead_meanwhile(ctx: JobContext) -> dict:
    county = Jurisdiction.objects.get(level="county")
    Park.objects.create(name="宣告失败后写的园区", jurisdiction=county)
    Job.objects.filter(pk=ctx.job.pk).update(status=JobStatus.FAILED)  # what recovery does
    return {}


def test_a_job_declared_dead_while_running_writes_nothing(user):
    job = run("tests.declared_dead_meanwhile", user("admin"))
    assert job.status == JobStatus.FAILED
    assert not Park.objects.filter(name="宣告失败后写的园区").exists()


@job_handler("tests.out_of_memory")
def out_of_memory(ctx: JobContext) -> dict:
    raise MemoryError


def test_a_job_out_of_memory_fails_with_a_sentence(user):
    job = run("tests.out_of_memory", user("admin"))
    assert job.status == JobStatus.FAILED and "memory" in job.error.lower() or "内存" in job.error


def test_finishing_a_job_keeps_the_task_id_written_meanwhile(user):
    job = job_start(kind="tests.count_parks", title="x", user=user("admin"))
    Job.objects.filter(pk=job.pk).update(task_result_id="abc")
    execute(job.pk)
    job.refresh_from_db()
    assert job.task_result_id == "abc" and job.status == JobStatus.SUCCEEDED


def test_recover_jobs_command(user, capsys):
    from django.core.management import call_command

    job = running_job(user)
    beat(job, pid=dead_pid())
    alive = running_job(user)
    beat(alive)
    call_command("recover_jobs")
    assert "1 interrupted job" in capsys.readouterr().out
    assert Job.objects.get(pk=alive.pk).status == JobStatus.RUNNING
    call_command("recover_jobs", "--all")
    assert Job.objects.get(pk=alive.pk).status == JobStatus.FAILED


@job_handler("tests.database_busy")
def database_busy(ctx: JobContext) -> dict:
    from django.db import OperationalError

    raise OperationalError("database is locked")


def test_a_job_that_finds_the_database_busy_fails_with_a_sentence(user):
    from fugong.core.busy import busy_job_message

    job = run("tests.database_busy", user("admin"))
    assert job.status == JobStatus.FAILED and job.error == busy_job_message()


# --- the statuses on the workflow engine (jobs.JOBS) -----------------------------------------

HOOKED: list[tuple[int, str]] = []


def _recovered_meanwhile(job_id: int) -> None:
    """What recovery does from another process while the handler still runs."""
    assert jobs.JOBS.system_step(
        Job.objects.get(pk=job_id), action="interrupt", actor=jobs.RECOVERY, error="恢复时失败"
    )


@job_handler("tests.read_only_recovered_meanwhile", atomic=False)
def read_only_recovered_meanwhile(ctx: JobContext) -> dict:
    ctx.save_file("export.txt", b"rows")
    _recovered_meanwhile(ctx.job.pk)
    return {"rows": 1}


@job_handler(
    "tests.fails_after_recovery",
    atomic=False,
    on_failure=lambda job, message: HOOKED.append((job.pk, message)),
)
def fails_after_recovery(ctx: JobContext) -> dict:
    _recovered_meanwhile(ctx.job.pk)
    raise JobError("后来才失败")


def test_a_job_already_started_elsewhere_is_not_run_again(user):
    job = job_start(kind="tests.count_parks", title="x", user=user("admin"))
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)  # another worker took it
    again = execute(job.pk)
    assert again.status == JobStatus.RUNNING and again.result == {} and not again.result_file


def test_a_job_recovery_failed_is_not_marked_succeeded_by_its_worker(user):
    job = run("tests.read_only_recovered_meanwhile", user("admin"))
    assert job.status == JobStatus.FAILED and job.error == "恢复时失败"
    assert job.result == {} and not job.result_file


def test_the_failure_hook_runs_once_when_recovery_failed_the_job_first(user):
    HOOKED.clear()
    job = run("tests.fails_after_recovery", user("admin"))
    assert job.status == JobStatus.FAILED and job.error == "恢复时失败"
    # Recovery runs the hook when it fails a job (here it was only its step); the worker,
    # which lost the race, does not run it a second time.
    assert HOOKED == []
    other = job_start(kind="tests.fails_after_recovery", title="x", user=user("admin"))
    Job.objects.filter(pk=other.pk).update(status=JobStatus.RUNNING)
    jobs._finish_failed(Job.objects.get(pk=other.pk), "另一个")
    assert [(other.pk, "另一个")] == HOOKED  # the worker that failed it runs it


def test_each_step_of_a_job_is_heard_after_commit(user, django_capture_on_commit_callbacks):
    from fugong.core.workflow import transitioned

    heard = []

    def listener(sender, **kwargs):
        heard.append((sender, kwargs["action"], kwargs["before"], kwargs["after"], kwargs["actor"]))

    transitioned.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            job = run("tests.count_parks", user("admin"))
        failed = running_job(user)
        beat(failed, pid=dead_pid())
        with django_capture_on_commit_callbacks(execute=True):
            jobs.recover_interrupted_jobs()
    finally:
        transitioned.disconnect(listener)
    assert job.status == JobStatus.SUCCEEDED
    assert heard == [
        (Job, "start", JobStatus.QUEUED, JobStatus.RUNNING, jobs.RUNNER),
        (Job, "succeed", JobStatus.RUNNING, JobStatus.SUCCEEDED, jobs.RUNNER),
        (Job, "interrupt", JobStatus.RUNNING, JobStatus.FAILED, jobs.RECOVERY),
    ]


def test_the_runner_only_takes_the_steps_the_table_has(user, monkeypatch):
    """The table is the one source of which status follows which: without a succeed step a
    finished handler cannot mark its job succeeded (it fails, and its writes are undone)."""
    monkeypatch.setattr(
        jobs.JOBS, "transitions", [t for t in jobs.JOBS.transitions if t.action != "succeed"]
    )
    job = run("tests.count_parks", user("admin"))
    assert job.status == JobStatus.FAILED and job.result == {} and not job.result_file


@job_handler("tests.read_nothing", atomic=False)
def read_nothing(ctx: JobContext) -> dict:
    return {"ok": True}


def test_a_job_costs_a_read_and_one_update_per_step(user, django_assert_num_queries):
    """The steps are conditional UPDATEs and nothing more: no lock, no audit or event row, no
    read to check the status (an atomic job adds only its transaction's savepoint here)."""
    quiet = job_start(kind="tests.read_nothing", title="x", user=user("admin"))
    with django_assert_num_queries(3):  # the job, start, succeed
        assert execute(quiet.pk).status == JobStatus.SUCCEEDED
    failing = job_start(kind="tests.out_of_memory", title="x", user=user("admin"))
    # the job, start, savepoint, its rollback and release, fail
    with django_assert_num_queries(6):
        assert execute(failing.pk).status == JobStatus.FAILED


@job_handler("tests.speaks")
def speaks(ctx: JobContext) -> dict:
    from django.utils.translation import gettext

    ctx.message(gettext("Changes saved."))
    raise JobError(gettext("The file is empty."))


@pytest.mark.parametrize(
    ("language", "said", "error"),
    [("en", "Changes saved.", "The file is empty."), ("zh-hans", "修改已保存。", "文件为空。")],
)
def test_a_job_speaks_the_language_of_the_page_that_started_it(user, language, said, error):
    """Row errors and messages written by the worker, which has no request, are in the
    language the user started the job in, not always the site's default."""
    from django.utils import translation

    with translation.override(language):
        job = job_start(kind="tests.speaks", title="t", user=user("town01_cmd"), enqueue=False)
    translation.activate("zh-hans" if language == "en" else "en")  # the worker's own
    job = execute(job.pk)
    assert job.language == language
    assert job.messages == [said] and job.error == error
