"""The buses as the statistics layer counts them (``fugong.stats.jobs``, registered by
``fugong/buses/figures.py``): against a plain count of the demo county's rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from fugong.buses import services
from fugong.buses.choices import BatchStatus, BusStatus, LetterStatus
from fugong.buses.models import CharterBatch, CommuterBus, Passenger
from fugong.stats import jobs
from tests.buses.helpers import bus, owner, two_enterprises

pytestmark = pytest.mark.django_db


def test_the_figures_count_what_the_buses_app_keeps(demo):
    today = timezone.localdate()
    total = jobs.compute(user=None).total
    arrived = CharterBatch.objects.filter(status=BatchStatus.ARRIVED, arrives_on__lte=today)
    assert total.batches == arrived.count() >= 2
    assert total.subsidy == arrived.aggregate(s=Sum("subsidy"))["s"]
    assert total.brought_back == Passenger.objects.filter(batch__in=arrived).count() >= 9
    serving = {
        b.pk
        for b in CommuterBus.objects.filter(status=BusStatus.ACTIVE)
        if any(
            x.status == LetterStatus.APPROVED and x.valid_from <= today <= x.valid_until
            for x in b.letters.all()
        )
    }
    assert total.commuter_buses == len(serving) >= 2
    # A bus without a letter is not in service; a suspended one no more.
    mine, _other = two_enterprises()
    bus(owner(mine), mine, plate="浙D00001")
    assert jobs.compute(user=None).total.commuter_buses == len(serving)
    first = CommuterBus.objects.get(pk=min(serving))
    services.bus_save(actor=owner(first.enterprise), enterprise=first.enterprise, bus=first,
                      stops=[("东门", None)], status=BusStatus.SUSPENDED)  # fmt: skip
    assert jobs.compute(user=None).total.commuter_buses == len(serving) - 1
    # An enterprise's user counts its own only.
    user = owner(mine)
    own = jobs.compute(user=user).total
    assert own.brought_back == Passenger.objects.filter(batch__in=arrived, enterprise=mine).count()
    assert own.subsidy <= total.subsidy and isinstance(own.subsidy, Decimal)
