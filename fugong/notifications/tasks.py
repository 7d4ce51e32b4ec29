from __future__ import annotations

from django_tasks import task

from fugong.notifications import services


@task()
def fan_out(event_id: int) -> None:
    services.event_fan_out(event_id)


@task()
def send_deliveries(ids: list[int]) -> None:
    services.deliveries_send(ids)
