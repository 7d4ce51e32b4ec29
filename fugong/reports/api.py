"""Generated reports in the JSON API, under /api/v1/stats beside the figures: start a report
as a background job. The route keeps the operation id it had in ``fugong.stats.api``."""

from __future__ import annotations

from typing import Annotated

from django.urls import reverse
from ninja import Field, Router, Schema, Status

from fugong.core.api_types import Id, Text
from fugong.reports.services import start_report
from fugong.stats.api import DayText, ErrorOut, _day, _node

router = Router(tags=["stats"])

LongText = Annotated[Text, Field(max_length=5000)]  # reports.jobs.MAX_TEXT


class ReportIn(Schema):
    node: Id
    day: DayText | None = None
    kind: Annotated[Text, Field(max_length=40)]
    next_steps: LongText = ""
    problems: LongText = ""


class ReportStartedOut(Schema):
    job_id: int
    url: str = Field(description="Follow the job here (its status and progress)")
    file_url: str = Field(description="Download the report here once the job is done")
    page_url: str = Field(description="The job's page with its progress bar and download")


# --- reports ---------------------------------------------------------------------------------


@router.post(
    "/reports",
    response={202: ReportStartedOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    operation_id="fugong_stats_api_report_start",
)
def report_start(request, payload: ReportIn):
    """Generate a report in the background: kind daily, zero, ledgers (xlsx), narrative_town or
    narrative_county (docx; next_steps and problems fill its free-text parts). Follow the job at
    ``url`` and download the file from ``file_url``."""
    node = _node(request, payload.node)
    day = _day(node, payload.day)
    job = start_report(
        user=request.auth,
        node=node,
        day=day,
        kind=payload.kind,
        next_steps=payload.next_steps,
        problems=payload.problems,
    )
    job_id = getattr(job, "pk", job)
    return Status(
        202,
        {
            "job_id": job_id,
            "url": reverse("api:job", kwargs={"job_id": job_id}),
            "file_url": reverse("api:job_file", kwargs={"job_id": job_id}),
            "page_url": reverse("core:job", args=[job_id]),
        },
    )
