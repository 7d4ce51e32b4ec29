"""Retention (issue 13 point 6, PIPL): check-ins and travel histories older than the period
are deleted, each enterprise's counts of those days kept, each purge logged; what is recent
stays."""

from __future__ import annotations

import datetime
import os

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
    assert done == {"checkins": 3, "travel_14d": 2, "roster_files": 0}
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


@override_settings(FUGONG_HEALTH_RETENTION_DAYS=30)
def test_the_roster_files_go_with_the_health_records(world):
    """An uploaded roster, its error and checked files, and a roster export hold ID numbers,
    phones and travel histories in clear: past the period they are deleted (the batch and
    the job stay, their files blank), counted and logged; recent ones and other kinds'
    files stay."""
    from django.core.files.base import ContentFile

    from fugong.core.imports.models import ImportBatch
    from fugong.core.models import Job
    from fugong.workforce import export, importer

    c = add_cast(world, "approval", "retention_files")
    old = timezone.now() - datetime.timedelta(days=40)

    def batch(kind: str, when) -> ImportBatch:
        made = ImportBatch(kind=kind, created_by=c.enterprise, filename="花名册.xlsx")
        made.file.save("roster.xlsx", ContentFile(b"id numbers"), save=False)
        made.error_file.save("errors.xlsx", ContentFile(b"refused rows"), save=False)
        made.save()
        ImportBatch.objects.filter(pk=made.pk).update(created_at=when)
        return made

    gone, recent = batch(importer.KIND, old), batch(importer.KIND, timezone.now())
    other = batch("enterprises", old)
    job = Job.objects.create(kind=export.KIND, title="导出花名册", created_by=c.enterprise)
    job.result_file.save("roster-export.xlsx", ContentFile(b"phones"), save=True)
    Job.objects.filter(pk=job.pk).update(created_at=old)
    paths = [gone.file.path, gone.error_file.path, job.result_file.path]
    done = retention.purge()
    assert done["roster_files"] == 3
    gone.refresh_from_db()
    job.refresh_from_db()
    assert (gone.file.name, gone.error_file.name, job.result_file.name) == ("", "", "")
    assert not any(os.path.exists(p) for p in paths)
    for kept in (recent, other):
        kept.refresh_from_db()
        assert kept.file and kept.file.storage.exists(kept.file.name)
    assert Purge.objects.filter(what="roster_files", count=3).exists()
    assert retention.purge()["roster_files"] == 0  # nothing left to delete
