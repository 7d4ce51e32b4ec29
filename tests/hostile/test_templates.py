"""Hostile report templates: every hostile template goes through every place a template is
rendered.

A template point is one row of ``TEMPLATE_POINTS``: its name and how to put a template through
it, returning the UserError it ends with (or None if it was accepted). Today: the upload (which
tries the template on the node's real figures and refuses it with the reason) and the report
job (a template stored before these limits, rendered in the background). A new place that
renders user templates adds a row here and is tried with every template of
``HOSTILE_TEMPLATES``.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from docx import Document

from fugong.accounts.models import Jurisdiction
from fugong.core.errors import UserError
from fugong.core.jobs import execute
from fugong.core.models import JobStatus
from fugong.reports import sandbox
from fugong.reports import services as reports
from fugong.reports.choices import ReportKind
from fugong.reports.models import ReportTemplate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def docx_with(*lines: str) -> bytes:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class HostileTemplate:
    name: str
    source: str  # one paragraph of the .docx
    words: str  # in the English reason given


HOSTILE_TEMPLATES: list[HostileTemplate] = [
    HostileTemplate(
        "nested-range-loops",
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        "range()",
    ),
    HostileTemplate(
        "nested-loops-without-range",
        '{% for i in "x" * 100000 %}{% for j in "x" * 100000 %}{% endfor %}{% endfor %}',
        "loops would repeat more than",
    ),
    HostileTemplate(
        "loops-over-figures",
        "{% for a in node_name * 400 %}{% for b in node_name * 400 %}{{ a }}{% endfor %}"
        "{% endfor %}",
        "loops would repeat more than",
    ),
    HostileTemplate("huge-string", '{{ "x" * 1000000000 }}', "larger than"),
    HostileTemplate("huge-number", "{{ 10 ** 10000000 }}", "larger than"),
    HostileTemplate("wide-center", "{{ node_name|center(1000000000) }}", "larger than"),
    HostileTemplate("format-width", '{{ "%0999999999d" % 1 }}', "larger than"),
    HostileTemplate(
        "doubling-text",
        '{% set ns = namespace(s="x") %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}'
        "{% endfor %}{{ ns.s|length }}",
        "memory",
    ),
    HostileTemplate(
        "recursive-loop",
        "{% for x in [[1]] recursive %}{{ loop([[1]]) }}{% endfor %}",
        "too deeply",
    ),
]


# --------------------------------------------------------------------------- template points


@dataclass
class TemplatePoint:
    name: str
    # (user fixture, .docx bytes) -> the UserError it ends with, or None if accepted.
    run: Callable


def _town(user):
    me = user("county_cmd")
    town = Jurisdiction.objects.filter(level="town").order_by("code").first()
    return me, town


def through_upload(user, data: bytes) -> UserError | None:
    me, town = _town(user)
    try:
        reports.template_upload(
            user=me,
            node=town,
            kind=ReportKind.NARRATIVE_TOWN,
            uploaded_file=SimpleUploadedFile("模板.docx", data),
        )
    except UserError as exc:
        assert not ReportTemplate.objects.filter(jurisdiction=town).exists()
        return exc
    return None


def through_report_job(user, data: bytes) -> UserError | None:
    """A template stored before the limits existed is rendered by the report job."""
    me, town = _town(user)
    ReportTemplate.objects.create(
        jurisdiction=town,
        kind=ReportKind.NARRATIVE_TOWN,
        file=ContentFile(data, name="old.docx"),
        filename="old.docx",
        is_active=True,
    )
    job = reports.start_report(
        user=me,
        node=town,
        day=timezone.localdate(),
        kind=ReportKind.NARRATIVE_TOWN,
        enqueue=False,
    )
    job = execute(job.pk)
    if job.status == JobStatus.SUCCEEDED:
        return None
    assert job.status == JobStatus.FAILED
    return UserError(job.error, code="job_failed")


TEMPLATE_POINTS: list[TemplatePoint] = [
    TemplatePoint("upload", through_upload),
    TemplatePoint("report-job", through_report_job),
]


@pytest.mark.parametrize("point", TEMPLATE_POINTS, ids=lambda p: p.name)
@pytest.mark.parametrize("hostile", HOSTILE_TEMPLATES, ids=lambda h: h.name)
def test_hostile_template_is_stopped_with_the_reason(point, hostile, user):
    data = docx_with("{{ node_name }}报告", hostile.source)
    refused = point.run(user, data)
    assert refused is not None, f"{point.name} accepted {hostile.name}"
    assert "The report template cannot be used" in refused.message
    assert hostile.words in refused.message, refused.message
    if point.name == "upload":
        assert refused.code == "template_limit"


@pytest.mark.parametrize("point", TEMPLATE_POINTS, ids=lambda p: p.name)
def test_a_template_with_ordinary_loops_still_works(point, user):
    """The limits leave room for what a report does: loops over lists, a few ranges."""
    data = docx_with(
        "{{ node_name }}报告",
        "{% for i in range(50) %}{% for j in range(50) %}{% endfor %}{% endfor %}"
        "{% for c in node_name %}{{ c }}{% endfor %}{{ 3 * 4 }}{{ 2 ** 10 }}",
    )
    assert point.run(user, data) is None


def test_the_upload_page_gives_the_reason_in_chinese(client, user):
    me, town = _town(user)
    client.force_login(me)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    data = docx_with("{{ node_name }}", HOSTILE_TEMPLATES[0].source)
    with translation.override("zh-hans"):
        response = client.post(
            "/stats/reports/templates/upload/",
            {
                "jurisdiction": town.pk,
                "kind": "narrative_town",
                "file": SimpleUploadedFile("循环.docx", data),
            },
        )
    body = response.content.decode()
    assert response.status_code == 400
    assert "报告模板无法使用" in body and "range()" in body


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "finished"


def _allocate(mb: int) -> int:
    return len(bytearray(mb * 1024 * 1024))


def test_a_render_that_runs_too_long_is_stopped():
    with pytest.raises(sandbox.RenderAborted) as stopped:
        sandbox.run_bounded(_sleep, 30, seconds=1)
    assert "longer than 1 seconds" in stopped.value.message
    assert sandbox.run_bounded(_sleep, 0, seconds=10) == "finished"


def test_a_render_that_needs_too_much_memory_is_stopped():
    with pytest.raises(sandbox.RenderAborted) as stopped:
        sandbox.run_bounded(_allocate, 2048, memory_mb=64)
    assert "more than 64 MB" in stopped.value.message
    assert sandbox.run_bounded(_allocate, 8, memory_mb=64) == 8 * 1024 * 1024
