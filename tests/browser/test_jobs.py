"""Background job pages: the finished states, and the progress bar following a running job
through HTMX polling. The test settings run tasks immediately (django-tasks' ImmediateBackend),
so a job started with ``job_start`` has finished by the time the call returns."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from openpyxl import load_workbook
from playwright.sync_api import expect

from fugong.accounts.models import Jurisdiction, User
from fugong.core.jobs import JobError, _progress_key, job_handler, job_start
from fugong.core.models import Job, JobStatus
from fugong.enterprises.models import Enterprise
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

POLL_TIMEOUT_MS = 5_000  # the page polls every second


@job_handler("tests.browser_demo")
def counting_job(ctx):
    steps = ctx.params.get("steps", 4)
    for done in range(1, steps + 1):
        ctx.progress(done, steps)
    ctx.message(f"数了 {steps} 步")
    return {"steps": steps}


@job_handler("tests.browser_demo_fails")
def failing_job(ctx):
    ctx.progress(1, 4)
    raise JobError("自定义失败信息")


def bar(page):
    return page.get_by_test_id("job-progress").locator(".progress-bar")


def test_finished_job_shows_a_full_bar(new_page):
    owner = User.objects.get(username="town01_cmd")
    job = job_start(
        kind="tests.browser_demo", title="浏览器测试任务", user=owner, params={"steps": 4}
    )
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error  # ran on commit

    page = new_page()
    log_in(page, "town01_cmd")
    response = page.goto(f"/jobs/{job.pk}/")
    assert response.status == 200
    progress = page.get_by_test_id("job-progress")
    expect(progress).to_have_attribute("data-status", "succeeded")
    expect(bar(page)).to_have_text("100%")
    expect(bar(page)).to_have_attribute("style", re.compile(r"width:\s*100%"))
    expect(page.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "100")
    expect(progress).to_contain_text("4 / 4")
    expect(progress).to_contain_text("数了 4 步")
    expect(page.get_by_test_id("job-error")).to_have_count(0)
    # A finished job is not polled any more.
    expect(progress).not_to_have_attribute("hx-trigger", re.compile(".*"))

    # Jobs are private to whoever started them.
    stranger = new_page()
    log_in(stranger, "town02_cmd")
    assert stranger.goto(f"/jobs/{job.pk}/").status == 404


def test_failed_job_shows_its_message(page):
    owner = User.objects.get(username="town01_cmd")
    job = job_start(kind="tests.browser_demo_fails", title="会失败的任务", user=owner)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED

    log_in(page, "town01_cmd")
    page.goto(f"/jobs/{job.pk}/")
    expect(page.get_by_test_id("job-progress")).to_have_attribute("data-status", "failed")
    expect(page.get_by_test_id("job-error")).to_have_text("自定义失败信息")
    expect(bar(page)).to_have_class(re.compile(r"\bbg-danger\b"))
    expect(page.get_by_test_id("job-download")).to_have_count(0)


def test_running_job_progress_is_polled_until_it_finishes(page):
    owner = User.objects.get(username="town01_cmd")
    job = Job.objects.create(
        kind="tests.browser_demo",
        title="运行中的任务",
        created_by=owner,
        status=JobStatus.RUNNING,
        total=10,
        done=3,
    )
    polls = []
    page.on("request", lambda r: polls.append(r) if r.headers.get("hx-request") else None)

    log_in(page, "town01_cmd")
    page.goto(f"/jobs/{job.pk}/")
    progress = page.get_by_test_id("job-progress")
    expect(progress).to_have_attribute("data-status", "running")
    expect(bar(page)).to_have_text("30%")

    # A running job reports its progress through the cache (its transaction holds the row).
    cache.set(_progress_key(job.pk), (7, 10))
    expect(bar(page)).to_have_text("70%", timeout=POLL_TIMEOUT_MS)
    expect(progress).to_contain_text("7 / 10")

    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, done=10)
    cache.delete(_progress_key(job.pk))
    page.wait_for_selector(
        "[data-testid=job-progress][data-status=succeeded]", timeout=POLL_TIMEOUT_MS
    )
    expect(bar(page)).to_have_text("100%")
    assert polls, "the page never polled"

    # Once finished, the polling stops.
    count = len(polls)
    page.wait_for_timeout(1_300)
    assert len(polls) == count


def exported_names(page) -> list[str]:
    """Download the job's result file and return the enterprise names in it."""
    with page.expect_download() as download:
        page.get_by_test_id("job-download").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as f:
        workbook = load_workbook(io.BytesIO(f.read()), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "企业名称"))
    return [r[0] for r in rows[header + 1 :] if r and r[0]]


def test_export_runs_as_a_job_and_downloads_the_town_list(page):
    town = Jurisdiction.objects.get(code="339821001")
    expected = sorted(
        Enterprise.objects.filter(jurisdiction__path__startswith=town.path).values_list(
            "name", flat=True
        )
    )
    log_in(page, "town01_cmd")
    page.goto("/enterprises/")
    with page.expect_navigation():
        page.get_by_test_id("export").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_test_id("job-progress")).to_have_attribute("data-status", "succeeded")
    expect(bar(page)).to_have_text("100%")
    assert sorted(exported_names(page)) == expected


def test_export_after_a_live_search_exports_what_the_table_shows(page):
    town = Jurisdiction.objects.get(code="339821001")
    wanted = Enterprise.objects.filter(jurisdiction__path__startswith=town.path).first().name
    log_in(page, "town01_cmd")
    page.goto("/enterprises/")
    page.locator("#q").fill(wanted)
    table = page.get_by_test_id("enterprise-table")
    expect(table.locator("tbody a[href^='/enterprises/']")).to_have_text([wanted])
    with page.expect_navigation():
        page.get_by_test_id("export").click()
    expect(page.get_by_test_id("job-progress")).to_have_attribute("data-status", "succeeded")
    assert exported_names(page) == [wanted]
