"""/healthz: the database, the background queue and the disk (issue 20 point 5)."""

import datetime

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_queue(settings):
    """The tests run jobs at once (ImmediateBackend); /healthz asks the database backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def enqueue_waiting(minutes: int):
    """A job due ``minutes`` ago that no worker has started."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.create(
        status=TaskResultStatus.READY,
        args_kwargs={"args": [0], "kwargs": {}},
        task_path="fugong.core.jobs.run_job",
        queue_name="default",
        backend_name="default",
        run_after=timezone.now() - datetime.timedelta(minutes=minutes),
    )


def test_all_well_is_200_with_the_figures(client):
    answer = client.get("/healthz")
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "ok"
    assert body["database"] == "ok" and body["queue"] == "ok" and body["waiting"] == 0
    assert body["disk"] == "ok" and body["free_mb"] > 0


def test_a_queue_nobody_works_is_503(client, settings):
    settings.FUGONG_HEALTH_QUEUE_AGE = 600
    enqueue_waiting(minutes=5)
    body = client.get("/healthz").json()
    assert body["queue"] == "ok" and body["waiting"] == 1 and 290 < body["oldest_s"] < 400
    enqueue_waiting(minutes=20)
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["queue"] == "stalled" and answer.json()["waiting"] == 2


def test_a_full_disk_is_503(client, settings):
    settings.FUGONG_HEALTH_DISK_MIN_MB = 10**12
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json()["disk"] == "low"


def test_a_database_that_does_not_answer_is_503(client, monkeypatch):
    from fugong.core import health

    def broken():
        raise RuntimeError("down")

    monkeypatch.setattr(health.connection, "cursor", broken)
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["database"] == "unavailable" and "queue" not in answer.json()


def test_another_task_backend_is_not_asked(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.rq.RQBackend"}}
    body = client.get("/healthz").json()
    assert body["queue"] == "not checked"
