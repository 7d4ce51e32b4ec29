"""Retention (issue 13 point 6, PIPL): check-ins and travel histories older than the period
are deleted, each enterprise's counts of those days kept, each purge logged; what is recent
stays."""

from __future__ import annotations

import datetime

from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from stdnum.cn import ric

from fugong.core.testing import world_fixtures
from fugong.resumption.testing import add_cast, build_casts
from fugong.workforce import retention, services
from fugong.workforce.choices import Origin
from fugong.workforce.models import CheckIn, CheckInDay, Employee, Purge

_built, world = world_fixtures(build_casts, scope="module")
TODAY = timezone.localdate()


def number(i: int) -> str:
    body = f"510107{1980 + i % 20}0707{i:03d}"
    return body + ric.calc_check_digit(body + "0")


@override_settings(FUGONG_HEALTH_RETENTION_DAYS=30)
def test_old_health_records_go_their_counts_stay_and_each_purge_is_logged(world):
    c = add_cast(world, "approval", "retention")
    enterprise = c.enterprise.memberships.get().enterprise
    staff = [
        services.employee_create(
            actor=c.enterprise,
            enterprise=enterprise,
            name=f"保留{i}",
            id_number=number(i),
            origin=Origin.PROVINCE,
            travel_14d="途经某站",
        )
        for i in range(3)
    ]
    old = TODAY - datetime.timedelta(days=40)
    for i, e in enumerate(staff):
        CheckIn.objects.create(employee=e, day=old, half=0, tenths=365 + i, abnormal=i == 2)
        CheckIn.objects.create(employee=e, day=TODAY, half=0, tenths=365)
    Employee.objects.filter(pk__in=[e.pk for e in staff[:2]]).update(
        travel_at=timezone.now() - datetime.timedelta(days=40)  # written 40 days ago
    )
    done = retention.purge()
    assert done == {"checkins": 3, "travel_14d": 2}
    assert not CheckIn.objects.filter(day=old).exists()
    assert CheckIn.objects.filter(day=TODAY, employee__in=staff).count() == 3  # recent stays
    kept = CheckInDay.objects.get(enterprise=enterprise, day=old, half=0)
    assert (kept.checked, kept.abnormal) == (3, 1)
    assert list(
        Employee.objects.filter(pk__in=[e.pk for e in staff])
        .order_by("pk")
        .values_list("travel_14d", flat=True)
    ) == ["", "", "途经某站"]
    assert Purge.objects.filter(what="checkins", count=3, before=retention.cutoff()).exists()
    # Run again (the command, nightly): nothing more to delete, nothing logged.
    logged = Purge.objects.count()
    call_command("purge_health")
    assert Purge.objects.count() == logged
