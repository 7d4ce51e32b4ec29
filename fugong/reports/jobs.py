"""Reports as background jobs: ``start_report`` checks the request and starts the job; the
job builds the file (progress on the job page) and attaches it for download."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from fugong.accounts.models import Jurisdiction
from fugong.core.errors import UserError
from fugong.core.jobs import JobContext, JobError, job_handler, job_start
from fugong.core.models import Job
from fugong.reports import context as C
from fugong.reports import xlsx
from fugong.reports.choices import NARRATIVE_KINDS, ReportKind
from fugong.reports.narrative import narrative
from fugong.stats import figures as F
from fugong.stats import selectors as stats_selectors
from fugong.stats.choices import Denominator

JOB_KIND = "stats.report"
MAX_TEXT = 5000
FILE_NAMES = {
    ReportKind.DAILY: "复工复产日报",
    ReportKind.ZERO: "零报告",
    ReportKind.LEDGERS: "四本台账",
    ReportKind.NARRATIVE_TOWN: "复工复产工作报告",
    ReportKind.NARRATIVE_COUNTY: "工业和服务业复工复产工作情况报告",
}


def visible_node(user, node: Jurisdiction | int | str) -> Jurisdiction:
    """The node if the user may see it, else a 404 sentence."""
    return stats_selectors.visible_node(user=user, value=node)


def _text(value: str, label: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise UserError(
            _("%(field)s is longer than %(n)d characters; shorten it.")
            % {"field": label, "n": MAX_TEXT},
            code="too_long",
        )
    left = C.leftovers(text)
    if left:
        raise UserError(
            _("%(field)s still contains %(marks)s; write the actual figures or words.")
            % {"field": label, "marks": "、".join(f"“{m}”" for m in left)},
            code="placeholder_left",
        )
    return text


def refuse_unless_zero(figures: F.Figures) -> None:
    """A zero report says nothing new happened on the day: refuse it, saying what did."""
    new = figures.total.new_resumed
    if not new:
        return
    parts = [
        f"{C.category_name(spec.categories[0])} {figures.row(spec).new_resumed}"
        for spec in F.category_rows()
        if not spec.indent and figures.row(spec).new_resumed
    ]
    unsorted = new - sum(figures.row(s).new_resumed for s in F.category_rows() if not s.indent)
    if unsorted:
        parts.append(f"未分类 {unsorted}")
    raise UserError(
        ngettext(
            "A zero report says nothing new happened, but %(n)d unit under %(name)s resumed on "
            "%(day)s (%(what)s); make the daily table instead.",
            "A zero report says nothing new happened, but %(n)d units under %(name)s resumed on "
            "%(day)s (%(what)s); make the daily table instead.",
            new,
        )
        % {
            "n": new,
            "name": figures.node.name,
            "day": figures.day.isoformat(),
            "what": "，".join(parts),
        },
        code="not_zero",
    )


def start_report(
    *,
    user,
    node: Jurisdiction | int,
    day: datetime.date | str,
    kind: str,
    next_steps: str = "",
    problems: str = "",
    enqueue: bool = True,
) -> Job:
    """Check a report request and start its job. Raises UserError (404 for a jurisdiction
    outside the user's area) with a sentence saying what to change."""
    node = visible_node(user, node)
    if kind not in ReportKind.values:
        raise UserError(
            _("Choose which report to make: %(kinds)s.")
            % {"kinds": ", ".join(str(label) for label in ReportKind.labels)},
            code="bad_kind",
        )
    if not isinstance(day, datetime.date):
        day = F.parse_day(day)
    F.check_day(node, day)
    next_steps = _text(next_steps, pgettext("report section", "Next steps"))
    problems = _text(problems, pgettext("report section", "Problems"))
    if kind == ReportKind.ZERO:
        refuse_unless_zero(C.report_figures(user=user, node=node, day=day))
    title = _("%(report)s: %(name)s, %(day)s") % {
        "report": ReportKind(kind).label,
        "name": node.name,
        "day": day.isoformat(),
    }
    params = {"node": node.pk, "day": day.isoformat(), "kind": kind}
    if kind in NARRATIVE_KINDS:
        params.update(next_steps=next_steps, problems=problems)
    return job_start(kind=JOB_KIND, title=title[:200], user=user, params=params, enqueue=enqueue)


def _figures_message(figures: F.Figures) -> str:
    if figures.source == "submission":
        source = _("Figures as submitted for %(day)s.")
    elif figures.source == "snapshot":
        source = _("Figures from the end-of-day snapshot of %(day)s.")
    else:
        source = _("Figures computed as of the end of %(day)s over the units you may see.")
    rate = _("The resumption rate divides by: %(what)s.") % {
        "what": Denominator(figures.denominator).label
    }
    return f"{source % {'day': figures.day.isoformat()}} {rate}"


@job_handler(JOB_KIND, atomic=False)
def report_job(ctx: JobContext) -> dict:
    user = ctx.user
    if user is None:
        raise JobError(_("The user who asked for this report no longer exists."))
    params = ctx.params
    node = visible_node(user, params["node"])
    day = datetime.date.fromisoformat(params["day"])
    kind = params["kind"]
    name = f"{node.name}-{FILE_NAMES[kind]}-{day:%Y%m%d}"
    result: dict = {"kind": kind, "node": node.code, "day": day.isoformat()}
    if kind == ReportKind.LEDGERS:
        data, counts = xlsx.ledgers(user=user, node=node, day=day, progress=ctx.progress)
        ctx.save_file(f"{name}.xlsx", data)
        ctx.message(
            "；".join(f"{C.LEDGER_TITLES[key]} {n}" for key, n in counts.items())
            + "。"
            + _("Contact phones are not listed.")
        )
        return {**result, "rows": counts}
    ctx.progress(0, 3)
    figures = C.report_figures(user=user, node=node, day=day)
    ctx.progress(1)
    result.update(source=figures.source, denominator=figures.denominator)
    if kind == ReportKind.DAILY:
        data, ext = xlsx.daily(user=user, figures=figures), "xlsx"
    elif kind == ReportKind.ZERO:
        refuse_unless_zero(figures)
        data, ext = xlsx.zero(user=user, figures=figures), "xlsx"
    else:
        data, uploaded = narrative(
            user=user,
            node=node,
            day=day,
            kind=kind,
            figures=figures,
            next_steps=params.get("next_steps", ""),
            problems=params.get("problems", ""),
        )
        ext = "docx"
        result["template"] = uploaded.pk if uploaded else None
        if uploaded is not None:
            ctx.message(
                _("Made with the template “%(file)s” of %(place)s.")
                % {"file": uploaded.filename, "place": uploaded.jurisdiction.name}
            )
    ctx.progress(2)
    ctx.save_file(f"{name}.{ext}", data)
    ctx.message(_figures_message(figures))
    ctx.progress(3)
    return result
