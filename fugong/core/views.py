"""Cross-cutting pages: health check, error pages, object history, background jobs."""

from __future__ import annotations

import sys

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fugong.core import health
from fugong.core.audit import history_display, history_for
from fugong.core.busy import RETRY_AFTER_SECONDS, busy_message, is_database_busy
from fugong.core.models import Job
from fugong.core.permissions import general_refusal, refusal_message
from fugong.core.scope import scoped
from fugong.core.selectors import job_get, job_list
from fugong.core.work import work_for


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The database, the background queue and the disk (``fugong.core.health``): 200 when all
    are well, 503 naming what is not."""
    ok, details = health.report()
    return JsonResponse(details, status=200 if ok else 503)


def error_404(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": _("Not found.")}, status=404)
    return render(request, "errors/404.html", status=404)


def error_403(request: HttpRequest, exception=None) -> HttpResponse:
    """The refusal, with the view's own sentence when it raised ``PermissionDenied(sentence)``
    (what may be done instead), else the general one."""
    message = refusal_message(exception)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "forbidden", "message": message or general_refusal()}, status=403
        )
    return render(request, "errors/403.html", {"message": message}, status=403)


def error_400(request: HttpRequest, exception=None) -> HttpResponse:
    if is_database_busy(exception):  # SessionInterrupted: the session could not be saved
        return busy(request)
    return render(request, "errors/400.html", status=400)


def busy(request: HttpRequest) -> HttpResponse:
    """503 with a sentence: the database was too busy to take this request's write."""
    message = busy_message()
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "busy", "message": message}, status=503)
    else:
        response = render(request, "errors/503.html", {"message": message}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def error_500(request: HttpRequest) -> HttpResponse:
    if is_database_busy(sys.exc_info()[1]):
        return busy(request)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "code": "server_error",
                "message": _("Something went wrong on our side; please try again."),
            },
            status=500,
        )
    return render(request, "errors/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/csrf.html", status=403)


@login_required
def object_history(request: HttpRequest, app_label: str, model_name: str, pk: int) -> HttpResponse:
    """The audit history of one object, for users who may see the object."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError as exc:
        raise Http404 from exc
    obj = scoped(model._default_manager.all(), request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    page = Paginator(history_for(obj), 50).get_page(request.GET.get("page"))
    context = {
        "object": obj,
        "opts": model._meta,
        "page": page,
        "entries": history_display(model, page.object_list),
        "content_type": ContentType.objects.get_for_model(model),
    }
    return render(request, "core/history.html", context)


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    page = Paginator(job_list(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "core/jobs.html", {"page": page})


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """What waits for the user across the apps (待办), most urgent first in each source."""
    return render(request, "core/my_work.html", {"groups": work_for(request.user, limit=50)})


def _back(job: Job) -> dict | None:
    """The page the job was started from (``params["back"]``: ``{"url", "label"}``), for a
    link back; only a path of this site."""
    back = (job.params or {}).get("back")
    if not isinstance(back, dict):
        return None
    url, label = str(back.get("url") or ""), str(back.get("label") or "")
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return None
    return {"url": url, "label": label or _("Back")}


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_get(user=request.user, pk=pk)
    context = {"job": job, "back": _back(job)}
    if request.htmx:
        return render(request, "core/job_detail.html#progress", context)
    return render(request, "core/job_detail.html", context)


@login_required
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job: Job = job_get(user=request.user, pk=pk)
    if not job.result_file:
        raise Http404
    name = job.result_file.name.rsplit("/", 1)[-1]
    return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=name)
