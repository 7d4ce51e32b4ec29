"""Notice numbers are taken from core's document counters (kind "resumption.notice"); the
counters start where the notices issued so far stopped, so numbers do not restart."""

from django.db import migrations
from django.db.models import Max

NOTICE = "resumption.notice"


def to_core(apps, schema_editor):
    from fugong.core.numbering import seed

    NoticeCounter = apps.get_model("resumption", "NoticeCounter")
    Notice = apps.get_model("resumption", "Notice")
    DocumentCounter = apps.get_model("core", "DocumentCounter")
    given: dict[tuple[int, int], int] = {}
    for row in NoticeCounter.objects.values_list("jurisdiction_id", "year", "last"):
        given[row[:2]] = max(given.get(row[:2], 0), row[2])
    for j, y, n in (
        Notice.objects.values_list("jurisdiction_id", "year").annotate(n=Max("sequence")).order_by()
    ):
        given[(j, y)] = max(given.get((j, y), 0), n)
    seed(DocumentCounter, NOTICE, ((j, y, n) for (j, y), n in given.items()))


def back(apps, schema_editor):
    NoticeCounter = apps.get_model("resumption", "NoticeCounter")
    DocumentCounter = apps.get_model("core", "DocumentCounter")
    for row in DocumentCounter.objects.filter(kind=NOTICE):
        NoticeCounter.objects.update_or_create(
            jurisdiction_id=row.jurisdiction_id, year=row.year, defaults={"last": row.last}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_document_counter"),
        ("resumption", "0006_field_verbose_names"),
    ]

    operations = [
        migrations.RunPython(to_core, back),
        migrations.DeleteModel(name="NoticeCounter"),
    ]
