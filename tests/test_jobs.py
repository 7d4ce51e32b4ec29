"""Background jobs: status, progress, messages, result file; failures leave nothing behind."""

from __future__ import annotations

import pytest

from fugong.accounts.models import Jurisdiction
from fugong.core.jobs import JobContext, JobError, execute, job_handler, job_start
from fugong.core.models import Job, JobStatus
from fugong.enterprises.models import Park

pytestmark = pytest.mark.django_db


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


def test_interrupted_jobs_are_marked_failed(user):
    from fugong.core.jobs import recover_interrupted_jobs

    job = Job.objects.create(
        kind="tests.count_parks", title="x", created_by=user("admin"), status=JobStatus.RUNNING
    )
    assert recover_interrupted_jobs() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error


def test_finishing_a_job_keeps_the_task_id_written_meanwhile(user):
    job = job_start(kind="tests.count_parks", title="x", user=user("admin"))
    Job.objects.filter(pk=job.pk).update(task_result_id="abc")
    execute(job.pk)
    job.refresh_from_db()
    assert job.task_result_id == "abc" and job.status == JobStatus.SUCCEEDED
