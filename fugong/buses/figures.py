"""Registers the buses with the statistics layer (issue 17 point 5; definitions in
``fugong.stats.jobs``): the workers brought back are the passengers of arrived batches, placed
by their enterprise; the batches and their subsidy by the batch's place; a commuter bus is in
service on a day when it is in service and holds a letter issued and valid that day."""

from __future__ import annotations

import datetime

from django.db.models import Q


def in_service(day: datetime.date) -> Q:
    from fugong.buses.choices import BusStatus, LetterStatus

    return Q(
        status=BusStatus.ACTIVE,
        letters__status=LetterStatus.APPROVED,
        letters__valid_from__lte=day,
        letters__valid_until__gte=day,
    )


def register() -> None:
    from fugong.buses.choices import BatchStatus
    from fugong.buses.models import CharterBatch, CommuterBus, Passenger
    from fugong.stats.sources import BusSource, register_buses

    register_buses(
        BusSource(
            passengers=Passenger,
            passenger_batch="batch_id",
            passenger_arrived="batch__status",
            arrived=BatchStatus.ARRIVED,
            passenger_arrival="batch__arrives_on",
            passenger_place_path="enterprise__jurisdiction__path",
            batches=CharterBatch,
            batch_status="status",
            batch_arrival="arrives_on",
            batch_subsidy="subsidy",
            batch_place_path="jurisdiction__path",
            commuter_buses=CommuterBus,
            in_service=in_service,
            commuter_place_path="enterprise__jurisdiction__path",
            riders="riders__employee_id",
        )
    )
