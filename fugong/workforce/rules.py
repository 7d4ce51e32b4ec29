"""Origin rules as data (issue 13 point 2, seed 004): for each person, what applies, why, and
from which day they may work.

A rule (``OriginRule``) is a place's, for one kind of origin, from a day on; a place without
its own follows the nearest place above it that has one. A region's risk (``RegionRisk``, its
history kept as rows) makes the people coming back from a high-risk region count as from a
key area. A ``binding`` rule forbids the places below a stricter one (seed 001: 不得层层加码).
Changing a rule or a risk re-evaluates the people it touches in the background
(``workforce.reassess``), the count shown on the job's page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fugong.accounts.selectors import command_jurisdictions, user_roles
from fugong.core.audit import audited_create, audited_update
from fugong.core.errors import NotAllowed, UserError
from fugong.core.jobs import JobContext, job_handler, job_start
from fugong.core.tree import paths_to
from fugong.workforce.choices import STRICTNESS, Measure, Origin, RiskLevel
from fugong.workforce.models import Employee, OriginRule, RegionRisk

REASSESS = "workforce.reassess"
CHUNK = 2000


@dataclass(frozen=True)
class Assessment:
    origin: str  # the origin the rule was taken for (a key area when the region is high-risk)
    measure: str
    days: int
    may_work_from: datetime.date | None
    needs_approval: bool
    reason: str
    rule_id: int | None


def _stricter(a: OriginRule, measure: str, days: int) -> bool:
    """Whether (measure, days) asks more than rule ``a``."""
    if STRICTNESS[measure] != STRICTNESS[a.measure]:
        return STRICTNESS[measure] > STRICTNESS[a.measure]
    return measure in (Measure.MONITOR, Measure.ISOLATE) and days > a.days


class RuleBook:
    """The rules and risks in force on ``day``, read once (two queries) for any number of
    people."""

    def __init__(self, day: datetime.date | None = None):
        self.day = day or timezone.localdate()
        self.rules: dict[str, dict[str, OriginRule]] = {}
        for rule in (
            OriginRule.objects.filter(effective_from__lte=self.day)
            .select_related("jurisdiction")
            .order_by("effective_from", "pk")
        ):
            self.rules.setdefault(rule.jurisdiction.path, {})[rule.origin] = rule  # latest wins
        self.risks: dict[str, RegionRisk] = {}
        for risk in RegionRisk.objects.filter(effective_from__lte=self.day).order_by(
            "effective_from", "pk"
        ):
            self.risks[risk.region] = risk

    def rule_for(self, path: str, origin: str) -> OriginRule | None:
        """The rule of the nearest place at or above ``path`` that has one for ``origin``."""
        for place in reversed(paths_to(path)):
            rule = self.rules.get(place, {}).get(origin)
            if rule is not None:
                return rule
        return None

    def risk_of(self, region: str) -> RegionRisk | None:
        """The risk of the region or of the province or city it lies in (6, 4, 2 digits)."""
        for size in (6, 4, 2):
            risk = self.risks.get(region[:size]) if len(region) >= size else None
            if risk is not None:
                return risk
        return None

    def assess(
        self, *, path: str, origin: str, region: str = "", returns: datetime.date | None = None
    ) -> Assessment:
        risk = self.risk_of(region) if region else None
        if risk is not None and risk.level == RiskLevel.HIGH:
            origin = Origin.KEY_AREA
        rule = self.rule_for(path, origin)
        start = returns or self.day
        if rule is None:
            return Assessment(origin, Measure.NONE, 0, start, False, _("No rule applies."), None)
        measure = rule.measure
        may_work = {
            Measure.NONE: start,
            Measure.MONITOR: start,
            Measure.ISOLATE: start + datetime.timedelta(days=rule.days),
            Measure.DEFER: None,
        }[measure]
        reason = _("%(place)s's rule from %(day)s for people from %(origin)s: %(measure)s") % {
            "place": rule.jurisdiction.name,
            "day": f"{rule.effective_from:%Y-%m-%d}",
            "origin": Origin(origin).label,
            "measure": Measure(measure).label,
        }
        if measure in (Measure.MONITOR, Measure.ISOLATE):
            reason += _(", %(days)s days") % {"days": rule.days}
        if risk is not None and risk.level == RiskLevel.HIGH:
            reason += _(" (%(region)s is high-risk)") % {"region": risk.name}
        if rule.needs_approval:
            reason += _("; the grid chief approves the return")
        return Assessment(
            origin, measure, rule.days, may_work, rule.needs_approval, reason, rule.pk
        )


def apply(employees: list[Employee], book: RuleBook) -> list[Employee]:
    """Set each employee's measure, first working day and reason (in the site's language);
    returns those that changed (to be saved)."""
    changed = []
    with translation.override(settings.LANGUAGE_CODE):  # stored: in the site's language
        for e in employees:
            a = book.assess(
                path=e.enterprise.jurisdiction.path,
                origin=e.origin,
                region=e.origin_region,
                returns=e.planned_return,
            )
            new = (a.measure, a.may_work_from, a.reason[:300])
            if (e.measure, e.may_work_from, e.measure_reason) != new:
                e.measure, e.may_work_from, e.measure_reason = new
                changed.append(e)
    return changed


ASSESSED = ["measure", "may_work_from", "measure_reason"]


def save(employees: list[Employee]) -> None:
    """Write the assessments of ``employees``: one UPDATE per distinct result (people share a
    few: same rule, same day), not a CASE per row as bulk_update writes."""
    groups: dict[tuple, list[int]] = {}
    for e in employees:
        groups.setdefault((e.measure, e.may_work_from, e.measure_reason), []).append(e.pk)
    for (measure, may_work_from, reason), pks in groups.items():
        for start in range(0, len(pks), 5000):
            Employee.objects.filter(pk__in=pks[start : start + 5000]).update(
                measure=measure, may_work_from=may_work_from, measure_reason=reason
            )


# -- writing rules and risks -------------------------------------------------------------------
def _may_set_rules(user, jurisdiction) -> bool:
    if "platform_admin" in user_roles(user):
        return True
    return any(j.pk == jurisdiction.pk for j in command_jurisdictions(user))


@transaction.atomic
def rule_add(
    *,
    actor,
    jurisdiction,
    origin: str,
    measure: str,
    days: int = 14,
    needs_approval: bool = False,
    binding: bool = False,
    effective_from: datetime.date,
    basis: str = "",
):
    """A place's command office sets its rule for an origin from a day on; refused where a
    place above binds its own rule and this one is stricter. The people it touches are
    evaluated again in the background: returns (rule, job)."""
    if not _may_set_rules(actor, jurisdiction):
        raise NotAllowed(_("Only the place's command office sets its origin rules."))
    if origin not in Origin.values or measure not in Measure.values:
        raise UserError(_("Choose an origin and a measure."), code="choice")
    if not 0 <= days <= 60:
        raise UserError(_("The days are between 0 and 60."), code="days")
    book = RuleBook(effective_from)
    for above in reversed(paths_to(jurisdiction.path)[:-1]):
        rule = book.rules.get(above, {}).get(origin)
        if rule is not None and rule.binding and _stricter(rule, measure, days):
            raise UserError(
                _(
                    "%(place)s's rule for people from %(origin)s binds the places below it "
                    "(不得层层加码): %(measure)s is stricter than its %(theirs)s."
                )
                % {
                    "place": rule.jurisdiction.name,
                    "origin": Origin(origin).label,
                    "measure": Measure(measure).label,
                    "theirs": Measure(rule.measure).label,
                },
                code="binding",
            )
    if OriginRule.objects.filter(
        jurisdiction=jurisdiction, origin=origin, effective_from=effective_from
    ).exists():
        raise UserError(
            _("This place already has a rule for these people from that day."), code="duplicate"
        )
    rule = audited_create(
        OriginRule,
        actor=actor,
        reason=_("Origin rules"),
        jurisdiction=jurisdiction,
        origin=origin,
        measure=measure,
        days=days,
        needs_approval=needs_approval,
        binding=binding,
        effective_from=effective_from,
        basis=basis.strip()[:200],
    )
    return rule, reassess_start(actor=actor, path=jurisdiction.path)


@transaction.atomic
def risk_set(*, actor, region: str, name: str, level: str, effective_from: datetime.date):
    """A region's risk from a day on (a platform administrator keeps the list); the people
    coming back from it are evaluated again: returns (risk, job)."""
    if "platform_admin" not in user_roles(actor):
        raise NotAllowed(_("Only a platform administrator keeps the region risk list."))
    region = region.strip()
    if not (region.isdigit() and len(region) in (2, 4, 6)) or level not in RiskLevel.values:
        raise UserError(_("A region is a code of 2, 4 or 6 digits, with a risk level."))
    fields = {"name": name.strip()[:60], "level": level}
    reason = _("Region risk list")
    risk = RegionRisk.objects.filter(region=region, effective_from=effective_from).first()
    if risk is None:
        risk = audited_create(
            RegionRisk, actor=actor, reason=reason, region=region,
            effective_from=effective_from, **fields,
        )  # fmt: skip
    else:  # the same day set again: changed, one audit row
        risk = audited_update(risk, actor=actor, reason=reason, **fields)
    return risk, reassess_start(actor=actor, region=region)


def reassess_start(*, actor, path: str = "", region: str = ""):
    """Evaluate again, in the background, the people under ``path`` (or from ``region``)."""
    return job_start(
        kind=REASSESS,
        title=_("Origin rules applied again"),
        user=actor,
        params={"path": path, "region": region},
    )


@job_handler(REASSESS, atomic=False)
def reassess(ctx: JobContext) -> dict:
    qs = Employee.objects.select_related("enterprise__jurisdiction").order_by("pk")
    if ctx.params.get("path"):
        qs = qs.filter(enterprise__jurisdiction__path__startswith=ctx.params["path"])
    if ctx.params.get("region"):
        qs = qs.filter(origin_region__startswith=ctx.params["region"])
    total = qs.count()
    ctx.progress(0, total)
    book = RuleBook()
    done = changed = 0
    last = 0
    while True:
        chunk = list(qs.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            break
        last = chunk[-1].pk
        moved = apply(chunk, book)
        save(moved)
        done += len(chunk)
        changed += len(moved)
        ctx.progress(done)
    ctx.message(
        _("%(n)s people evaluated again, %(changed)s of them with a new measure.")
        % {"n": done, "changed": changed}
    )
    return {"people": done, "changed": changed}
