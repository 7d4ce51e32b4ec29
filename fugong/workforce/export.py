"""The roster to xlsx (issue 13 point 1: import and export): the importer's columns and
labels, so an exported roster imports back unchanged; a background job (the Job row is the
export log: who, when, how many), the file under a line naming who exported it."""

from __future__ import annotations

import tempfile

from django.utils import timezone, translation
from django.utils.translation import ngettext

from fugong.core.jobs import JobContext, job_handler
from fugong.core.xlsx import XlsxStreamWriter
from fugong.enterprises.io import watermark
from fugong.workforce import services
from fugong.workforce.importer import COLUMNS
from fugong.workforce.models import Employee

KIND = "workforce.export"


def _label(choices, value: str) -> str:
    with translation.override("zh-hans"):  # the file reads as the import reads it
        return str(choices(value).label) if value else ""


@job_handler(KIND, atomic=False)
def export_roster(ctx: JobContext) -> dict:
    """The roster of the enterprise named in the job's parameters, if the user keeps it."""
    from fugong.workforce.choices import Origin, Transport, WorkStatus

    enterprise = services.roster_enterprises(ctx.user, own_only=True).get(
        pk=ctx.params["enterprise"]
    )
    qs = (
        Employee.objects.filter(enterprise=enterprise)
        .select_related("person")
        .order_by("person__name", "pk")
    )
    total = qs.count()
    ctx.progress(0, total)
    with tempfile.TemporaryFile() as out:
        sheet = XlsxStreamWriter(out, sheet_name="员工花名册")
        sheet.append([watermark(ctx.user)])
        sheet.append([c.label for c in COLUMNS])
        for i, e in enumerate(qs.iterator(chunk_size=2000), start=1):
            sheet.append(
                [
                    e.person.name,
                    e.person.id_number,
                    e.phone,
                    _label(Origin, e.origin),
                    e.origin_region,
                    e.travel_14d,
                    e.planned_return,
                    _label(Transport, e.transport),
                    e.transit_hours,
                    e.dormitory,
                    _label(WorkStatus, e.work_status),
                ]
            )
            if i % 2000 == 0:
                ctx.progress(i)
        sheet.close()
        out.seek(0)
        ctx.save_file(f"roster-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx", out)
    ctx.progress(total)
    ctx.message(ngettext("%(n)d person exported.", "%(n)d people exported.", total) % {"n": total})
    return {"rows": total}
