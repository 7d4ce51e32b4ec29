from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema
from ninja.pagination import paginate

from fugong.core.api_types import Pagination
from fugong.core.jobs import live_progress
from fugong.core.selectors import job_get, job_list

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    done: int
    total: int
    messages: list[str]
    error: str
    result: dict
    has_file: bool
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_has_file(obj) -> bool:
        return bool(obj.result_file)

    @staticmethod
    def resolve_done(obj) -> int:
        return live_progress(obj)[0]

    @staticmethod
    def resolve_total(obj) -> int:
        return live_progress(obj)[1]


@router.get("", response=list[JobOut])
@paginate(Pagination)
def jobs(request):
    return job_list(user=request.auth)


@router.get("/{int:job_id}", response=JobOut)
def job(request, job_id: int):
    return job_get(user=request.auth, pk=job_id)


@router.get("/{int:job_id}/file")
def job_file(request, job_id: int):
    """The job's result file (an export, for instance)."""
    from django.http import FileResponse, Http404

    job = job_get(user=request.auth, pk=job_id)
    if not job.result_file:
        raise Http404
    name = job.result_file.name.rsplit("/", 1)[-1]
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=name)
