"""The background work of policies: matching benefits with enterprises (after a policy is
published or changed, or on demand for all), and computing the claims of a benefit granted
without application (免申即享). Both show their progress on the job's page."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fugong.core.jobs import JobContext, job_handler
from fugong.policies import matching
from fugong.policies.models import Benefit
from fugong.policies.services import GRANT_JOB, MATCH_JOB, grant_compute


@job_handler(MATCH_JOB, atomic=False)
def match_job(ctx: JobContext) -> dict:
    """Each benefit commits on its own: a long run never holds the write lock for long."""
    ids = ctx.params.get("benefits")
    counts = matching.match_all(ids, progress=lambda done, total: ctx.progress(done, total))
    for pk, n in counts.items():
        ctx.message(_("Benefit %(id)s: %(n)s enterprises eligible.") % {"id": pk, "n": n})
    return {"benefits": len(counts), "eligible": sum(counts.values())}


@job_handler(GRANT_JOB)
def grant_job(ctx: JobContext) -> dict:
    benefit = Benefit.objects.select_related("policy__issuer").get(pk=ctx.params["benefit"])
    ctx.progress(0, 2)
    matching.match_all([benefit.pk], notify=False)
    ctx.progress(1, 2)
    n = grant_compute(benefit=benefit, actor=ctx.user or "policies")
    ctx.progress(2, 2)
    if n:
        ctx.message(_("%(n)s claims computed, waiting for confirmation.") % {"n": n})
    elif benefit.matches.exists():
        ctx.message(
            _("Every eligible enterprise already has a claim of this benefit: no new claim.")
        )
    else:
        ctx.message(_("No enterprise is eligible for this benefit now: no claim computed."))
    return {"proposed": n}
