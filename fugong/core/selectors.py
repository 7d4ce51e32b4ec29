from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from fugong.core.models import Job
from fugong.core.scope import get_scope


def job_list(*, user) -> QuerySet[Job]:
    """Jobs are private to whoever started them; platform administrators see all."""
    qs = Job.objects.select_related("created_by")
    return qs if get_scope(user).everything else qs.filter(created_by=user)


def job_get(*, user, pk: int) -> Job:
    job = job_list(user=user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job
