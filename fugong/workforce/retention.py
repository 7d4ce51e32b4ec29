"""Retention of health data (issue 13 point 6, PIPL): check-ins and travel histories older
than FUGONG_HEALTH_RETENTION_DAYS are deleted; before the check-ins go, each enterprise's
counts of each half-day are kept (``CheckInDay``); each purge is logged (``Purge``: what,
older than which day, how many). Run by ``fugong purge-health`` (cron, nightly) and when
the server starts. On PostgreSQL the check-ins are partitioned by month (``partitions``): a
month past the period goes whole. The roster's files go with them: the uploaded roster
files, their error and checked files, and the roster exports, which hold ID numbers, phones
and travel histories as the enterprise kept them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from fugong.workforce import partitions
from fugong.workforce.models import CheckIn, CheckInDay, Employee, Purge

CHUNK = 10_000


def cutoff(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) - datetime.timedelta(
        days=settings.FUGONG_HEALTH_RETENTION_DAYS
    )


@transaction.atomic
def _keep_counts(before: datetime.date) -> None:
    """Each enterprise's counts of the days about to be purged (added to any kept before)."""
    rows = (
        CheckIn.objects.filter(day__lt=before)
        .values("employee__enterprise_id", "day", "half")
        .annotate(checked=Count("pk"), abnormal=Count("pk", filter=Q(abnormal=True)))
    )
    for row in rows.iterator(chunk_size=CHUNK):
        kept, made = CheckInDay.objects.get_or_create(
            enterprise_id=row["employee__enterprise_id"],
            day=row["day"],
            half=row["half"],
            defaults={"checked": row["checked"], "abnormal": row["abnormal"]},
        )
        if not made:
            kept.checked += row["checked"]
            kept.abnormal += row["abnormal"]
            kept.save(update_fields=["checked", "abnormal"])


def purge(*, today: datetime.date | None = None) -> dict[str, int]:
    """Delete what is older than the retention period; returns how many of each. On
    PostgreSQL the partitions of the months to come are made first, and the months past the
    period are dropped whole; the rest (a month partly past, the default partition) is
    deleted in chunks."""
    partitions.ensure(today or timezone.localdate())
    before = cutoff(today)
    _keep_counts(before)
    deleted = partitions.drop_before(before)
    while True:
        with transaction.atomic():
            ids = list(CheckIn.objects.filter(day__lt=before).values_list("pk", flat=True)[:CHUNK])
            if not ids:
                break
            deleted += CheckIn.objects.filter(pk__in=ids, day__lt=before).delete()[0]
    stale = timezone.make_aware(datetime.datetime.combine(before, datetime.time.min))
    # A travel history goes a period after it was written, whatever else changed since.
    travel = (
        Employee.objects.filter(travel_at__lt=stale)
        .exclude(travel_14d="")
        .update(travel_14d="", travel_at=None)
    )
    done = {"checkins": deleted, "travel_14d": travel, "roster_files": _purge_files(stale)}
    for what, count in done.items():
        if count:
            Purge.objects.create(what=what, before=before, count=count)
    return done


def _purge_files(stale: datetime.datetime) -> int:
    """Delete the roster imports' files (uploaded, errors, checked rows) and the roster
    exports' files made before ``stale``; the batches and jobs stay (what was done, by
    whom, the counts), their files blank. Returns how many files went."""
    from fugong.core.imports.models import ImportBatch
    from fugong.core.models import Job
    from fugong.workforce import export, importer

    count = 0
    holders = [
        (
            ImportBatch.objects.filter(kind=importer.KIND, created_at__lt=stale),
            ("file", "error_file", "checked_file"),
        ),
        (Job.objects.filter(kind=export.KIND, created_at__lt=stale), ("result_file",)),
    ]
    for queryset, fields in holders:
        held = Q()
        for name in fields:
            held |= ~Q(**{name: ""})
        for holder in queryset.filter(held).iterator(chunk_size=500):
            for name in fields:
                stored = getattr(holder, name)
                if stored:
                    stored.delete(save=False)  # the file, and the field blanked
                    count += 1
            type(holder).objects.filter(pk=holder.pk).update(**dict.fromkeys(fields, ""))
    return count
