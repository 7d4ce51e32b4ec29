"""What ``/healthz`` checks (issue 20 point 5): the database answers, the background queue is
being worked (its oldest job waiting to start is not older than ``FUGONG_HEALTH_QUEUE_AGE``
seconds) and the data folder's disk has at least ``FUGONG_HEALTH_DISK_MIN_MB`` free. Each check
gives ``(ok, details)``; the page is 503 when any is not ok, so a load balancer takes the
machine out and a monitor raises the alarm. Cheap enough to be asked every few seconds: one
``SELECT 1``, one aggregate over the waiting jobs (a partial index covers them), one statvfs."""

from __future__ import annotations

import shutil

from django.conf import settings
from django.db import connection
from django.utils import timezone


def database() -> tuple[bool, dict]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - report, never raise
        return False, {"database": "unavailable"}
    return True, {"database": "ok", "vendor": connection.vendor}


def queue() -> tuple[bool, dict]:
    """The jobs due to start and not started, and how long the oldest has waited. Only for
    the database task backend: with Celery or RQ their own monitoring watches the queue."""
    backend = settings.TASKS["default"]["BACKEND"]
    if not backend.startswith("django_tasks_db."):
        return True, {"queue": "not checked", "backend": backend}
    from django.db.models import Count, Min
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    try:
        row = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, run_after__lte=now
        ).aggregate(waiting=Count("pk"), oldest=Min("run_after"))
    except Exception:  # noqa: BLE001 - the database check reports why
        return False, {"queue": "unavailable"}
    age = int((now - row["oldest"]).total_seconds()) if row["oldest"] else 0
    ok = age <= settings.FUGONG_HEALTH_QUEUE_AGE
    return ok, {"queue": "ok" if ok else "stalled", "waiting": row["waiting"], "oldest_s": age}


def disk() -> tuple[bool, dict]:
    """Free space where the database (SQLite), uploads and generated files are kept."""
    try:
        free = shutil.disk_usage(settings.DATA_DIR).free // (1024 * 1024)
    except OSError:
        return False, {"disk": "unavailable"}
    ok = free >= settings.FUGONG_HEALTH_DISK_MIN_MB
    return ok, {"disk": "ok" if ok else "low", "free_mb": free}


def report() -> tuple[bool, dict]:
    """Every check; the queue is not asked when the database does not answer."""
    ok, details = database()
    checks = [queue, disk] if ok else [disk]
    for check in checks:
        passed, more = check()
        ok = ok and passed
        details.update(more)
    details["status"] = "ok" if ok else "error"
    return ok, details
