"""双随机、一公开: random draws of the enterprises to inspect from a filtered list and of the
inspectors from a pool, reproducible from their record, and published.

A draw is made by a command office for a place in its jurisdiction, or by a reviewing office
or department for a place its office covers (the same people who may plan inspections there).
It records, before drawing: the filter as data, the candidate enterprise ids and the pool of
inspector ids in the order used, the 包保 conflicts between them (a cadre answerable for an
enterprise never inspects it), a seed from ``secrets`` and the algorithm's name. ``run`` draws
from those alone, so anyone holding the record (the public page offers it as JSON) re-runs it
and gets the same targets and teams; ``verify`` does so and compares with what was stored,
with the record's SHA-256 digest and with the inspections planned. Each target gets one random
inspection (``services.inspection_plan``): the team's first inspector is its inspector, the
second is recorded as companion.

The algorithm (``fugong-draw-1``), in Python::

    rng = random.Random(int(seed, 16))          # Mersenne Twister, seeded from the integer
    below = lambda n: int(rng.random() * n)     # only random() is used: its sequence for a
                                                # given seed is the one thing Python promises
                                                # not to change between versions
    def shuffled(items):                        # Fisher-Yates, last position first
        items = list(items)
        for i in range(len(items) - 1, 0, -1):
            j = below(i + 1)
            items[i], items[j] = items[j], items[i]
        return items

    targets = shuffled(candidates)[:count]
    load = {user: 0 for user in pool}
    for enterprise in targets:                  # in the order drawn
        free = [u for u in shuffled(pool) if u not in conflicts.get(str(enterprise), [])]
        free.sort(key=load.get)                 # stable: the least busy first, ties at random
        team = free[:per_target]                # a team of per_target, the first leads
        for u in team: load[u] += 1
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.choices import OfficeKind, Role
from fugong.accounts.models import Jurisdiction, Membership, Office, User
from fugong.accounts.selectors import active_memberships
from fugong.core import numbering
from fugong.core.audit import audited_create, audited_update
from fugong.core.errors import NotAllowed, UserError
from fugong.core.scope import scoped
from fugong.enterprises.models import Assignment, Enterprise
from fugong.inspections import services
from fugong.inspections.choices import (
    ChecklistKind,
    InspectionKind,
    InspectionStatus,
    OrderStatus,
)
from fugong.inspections.models import ChecklistTemplate, Draw, DrawTarget, Inspection

ALGORITHM = "fugong-draw-1"
DRAW = "inspections.draw"  # the kind in core's document counters
MAX_TARGETS = 500
MAX_PER_TARGET = 5
PLACE_DEPTH = 4  # places a draw is made for: down to villages and communities
# The roles whose members may be in an inspector pool.
INSPECTOR_ROLES = (Role.COMMAND, Role.REVIEWER, Role.DEPARTMENT, Role.CADRE)
KEY_ANY, KEY_ONLY, KEY_NOT = "", "key", "not_key"


def min_per_target() -> int:
    """Inspectors per target at least: two, as the practice requires (执法人员不少于两人);
    a site may ask for more with ``FUGONG_DRAW_MIN_INSPECTORS``."""
    return max(2, int(getattr(settings, "FUGONG_DRAW_MIN_INSPECTORS", 2)))


# --- who may draw, where, with whom -------------------------------------------------------


@dataclass(frozen=True)
class Capacity:
    """One way the actor may draw: for the places under ``root``, as ``office``."""

    root: Jurisdiction
    office: Office | None
    command: bool


def capacities(actor) -> list[Capacity]:
    """Command offices first (for their jurisdiction), then reviewing offices and
    departments (for the place their office covers)."""
    found = [
        Capacity(m.jurisdiction, m.office, True)
        for m in active_memberships(actor)
        if m.role == Role.COMMAND and m.jurisdiction is not None
    ]
    found += [
        Capacity(m.office.jurisdiction, m.office, False)
        for m in active_memberships(actor)
        if m.role in (Role.REVIEWER, Role.DEPARTMENT)
        and m.office is not None
        and m.office.is_active
    ]
    return found


def capacity_for(actor, place: Jurisdiction, office: Office | None = None) -> Capacity | None:
    for capacity in capacities(actor):
        if place.path.startswith(capacity.root.path) and (
            office is None or capacity.office == office
        ):
            return capacity
    return None


def may_draw(actor) -> bool:
    return bool(capacities(actor))


def _roots_q(lookup: str, actor) -> Q:
    q = Q(pk__in=[])
    for capacity in capacities(actor):
        q |= Q(**{f"{lookup}__startswith": capacity.root.path})
    return q


def draw_places(actor) -> QuerySet[Jurisdiction]:
    """The places ``actor`` may draw for."""
    return Jurisdiction.objects.filter(
        _roots_q("path", actor), is_active=True, depth__lte=PLACE_DEPTH
    ).order_by("path")


def pool_offices(actor) -> QuerySet[Office]:
    """The offices whose people ``actor`` may put in a pool: those of the places it draws for
    (park operators are not inspectors)."""
    return (
        Office.objects.filter(_roots_q("jurisdiction__path", actor), is_active=True)
        .exclude(kind=OfficeKind.PARK_OPERATOR)
        .select_related("jurisdiction")
    )


def pool_users(actor) -> QuerySet[User]:
    """The people ``actor`` may put in a pool: active members (command, reviewing,
    department, cadre) of ``pool_offices``, and cadres and grid chiefs of its places."""
    members = Membership.objects.filter(is_active=True, role__in=INSPECTOR_ROLES).filter(
        Q(office__in=pool_offices(actor))
        | Q(role=Role.CADRE, office=None) & _roots_q("jurisdiction__path", actor)
    )
    return User.objects.filter(pk__in=members.values("user_id"), is_active=True).order_by("pk")


def office_members(offices: Sequence[Office]) -> QuerySet[User]:
    """The active people of ``offices`` who may inspect."""
    members = Membership.objects.filter(
        is_active=True, role__in=INSPECTOR_ROLES, office__in=list(offices)
    )
    return User.objects.filter(pk__in=members.values("user_id"), is_active=True).order_by("pk")


def templates() -> QuerySet[ChecklistTemplate]:
    """The checklists a draw's inspections may use (the acceptance is for filings)."""
    return ChecklistTemplate.objects.filter(is_active=True).exclude(kind=ChecklistKind.ACCEPTANCE)


# --- the filter -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """Which enterprises of the place are candidates; kept on the draw as data."""

    categories: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()  # GB/T 4754 sections (A-T) or divisions
    key: str = KEY_ANY
    resumed_only: bool = False
    min_employees: int = 0
    skip_inspected_days: int = 0  # leave out those inspected on site in the last N days
    with_canteen: bool = False
    with_dormitory: bool = False

    def as_data(self) -> dict:
        return {
            "categories": sorted(self.categories),
            "industries": sorted(self.industries),
            "key": self.key,
            "resumed_only": self.resumed_only,
            "min_employees": self.min_employees,
            "skip_inspected_days": self.skip_inspected_days,
            "with_canteen": self.with_canteen,
            "with_dormitory": self.with_dormitory,
        }


def candidates_of(*, place: Jurisdiction, criteria: Criteria) -> QuerySet[Enterprise]:
    """The enterprises of ``place``'s subtree that ``criteria`` keeps, by id."""
    qs = Enterprise.objects.filter(
        jurisdiction__in=Jurisdiction.objects.filter(path__startswith=place.path).values("pk")
    )
    if criteria.categories:
        qs = qs.filter(category__in=criteria.categories)
    if criteria.industries:
        qs = qs.filter(
            Q(industry__code__in=criteria.industries)
            | Q(industry__parent__code__in=criteria.industries)
        )
    if criteria.key == KEY_ONLY:
        qs = qs.filter(is_key=True)
    elif criteria.key == KEY_NOT:
        qs = qs.filter(is_key=False)
    if criteria.resumed_only:
        qs = qs.filter(resumed_on__isnull=False)
    if criteria.min_employees:
        qs = qs.filter(employee_count__gte=criteria.min_employees)
    if criteria.with_canteen:
        qs = qs.filter(has_canteen=True)
    if criteria.with_dormitory:
        qs = qs.filter(has_dormitory=True)
    if criteria.skip_inspected_days:
        since = timezone.now() - datetime.timedelta(days=criteria.skip_inspected_days)
        inspected = Inspection.objects.filter(
            status=InspectionStatus.DONE, performed_at__gte=since
        ).exclude(kind=InspectionKind.SELF_CHECK)
        qs = qs.exclude(pk__in=inspected.values("enterprise_id"))
    return qs.order_by("pk")


def conflicts_of(candidates: QuerySet[Enterprise], pool: Sequence[int]) -> dict[str, list[int]]:
    """包保: for each candidate, the people of the pool answerable for it (keys are ids as
    text, as JSON keeps them)."""
    found: dict[str, list[int]] = {}
    rows = (
        Assignment.objects.filter(enterprise__in=candidates.values("pk"), user_id__in=list(pool))
        .values_list("enterprise_id", "user_id")
        .order_by("enterprise_id", "user_id")
        .distinct()
    )
    for enterprise_id, user_id in rows:
        found.setdefault(str(enterprise_id), []).append(user_id)
    return found


# --- the draw itself ------------------------------------------------------------------------


class PoolTooSmall(UserError):
    code = "pool"


def run(
    *,
    seed: str,
    candidates: Sequence[int],
    pool: Sequence[int],
    conflicts: dict[str, list[int]],
    count: int,
    per_target: int,
    algorithm: str = ALGORITHM,
) -> list[tuple[int, list[int]]]:
    """The targets in the order drawn, each with its team (see the module's docstring).
    Depends on its arguments only."""
    if algorithm != ALGORITHM:
        raise ValueError(f"unknown draw algorithm {algorithm!r}")
    rng = random.Random(int(seed, 16))  # noqa: S311 - reproducible by design; the seed is secret-grade

    def shuffled(items: Sequence[int]) -> list[int]:
        items = list(items)
        for i in range(len(items) - 1, 0, -1):
            j = int(rng.random() * (i + 1))
            items[i], items[j] = items[j], items[i]
        return items

    targets = shuffled(candidates)[:count]
    load = dict.fromkeys(pool, 0)
    result = []
    for enterprise in targets:
        barred = set(conflicts.get(str(enterprise), ()))
        free = [u for u in shuffled(pool) if u not in barred]
        if len(free) < per_target:
            raise PoolTooSmall(
                _(
                    "Too few inspectors are free of a conflict of interest for one of the "
                    "enterprises drawn: add people to the pool or ask for fewer per target."
                )
            )
        free.sort(key=load.__getitem__)
        team = free[:per_target]
        for user in team:
            load[user] += 1
        result.append((enterprise, team))
    return result


def new_seed() -> str:
    """128 random bits from the operating system, as 32 hexadecimal digits."""
    return f"{secrets.randbits(128):032x}"


def record_of(draw: Draw, result: Sequence[tuple[int, list[int]]] | None = None) -> dict:
    """The draw's record, as published (ids only: nothing personal). ``result`` defaults to
    the targets stored."""
    if result is None:
        result = [(p.enterprise_id, list(p.inspectors)) for p in draw.picks.order_by("position")]
    return {
        "number": draw.number,
        "place": draw.place.code,
        "date": draw.planned_for.isoformat(),
        "template": f"{draw.template.code} v{draw.template.version}",
        "criteria": draw.criteria,
        "count": draw.target_count,
        "per_target": draw.per_target,
        "candidates": list(draw.candidates),
        "pool": list(draw.pool),
        "conflicts": draw.conflicts,
        "seed": draw.seed,
        "algorithm": draw.algorithm,
        "result": [[enterprise, list(team)] for enterprise, team in result],
    }


def digest_of(record: dict) -> str:
    """SHA-256 of the record written as canonical JSON (keys sorted, no spaces)."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _number(place: Jurisdiction, now: datetime.datetime) -> dict:
    town = services.town_of(place)
    year = timezone.localtime(now).year
    sequence = numbering.take(DRAW, town, year)
    return {
        "issuer": town,
        "year": year,
        "sequence": sequence,
        "number": numbering.format_number(f"{town.name[:2]}双随机", year, sequence),
    }


@transaction.atomic
def draw_make(
    *,
    actor,
    place: Jurisdiction,
    template: ChecklistTemplate,
    date: datetime.date,
    count: int,
    inspectors: Sequence[User],
    per_target: int = 2,
    criteria: Criteria | None = None,
    office: Office | None = None,
    seed: str | None = None,
) -> Draw:
    """Draw ``count`` enterprises of ``place`` that ``criteria`` keeps and a team of
    ``per_target`` of ``inspectors`` for each; plan a random inspection of each on ``date``.
    The seed comes from ``secrets``; only the demo county (reproducible from its own seed)
    passes one. The pages and the API never do."""
    criteria = criteria or Criteria()
    capacity = capacity_for(actor, place, office)
    if capacity is None:
        raise NotAllowed(_("You may draw only for the places your office covers."))
    if template not in templates():
        raise UserError(_("Choose a checklist in use."), code="template")
    if date < timezone.localdate():
        raise UserError(_("Choose today or a later day."), code="date")
    if not min_per_target() <= per_target <= MAX_PER_TARGET:
        raise UserError(
            _("Send between %(low)s and %(high)s inspectors to each enterprise.")
            % {"low": min_per_target(), "high": MAX_PER_TARGET},
            code="per_target",
        )
    if not 1 <= count <= MAX_TARGETS:
        raise UserError(
            _("Draw between 1 and %(n)s enterprises.") % {"n": MAX_TARGETS}, code="count"
        )
    allowed = set(pool_users(actor).values_list("pk", flat=True))
    pool = sorted({u.pk for u in inspectors})
    if not set(pool) <= allowed:
        raise NotAllowed(_("Choose inspectors of the offices and places your office covers."))
    if len(pool) < per_target:
        raise PoolTooSmall(
            _("The pool has %(n)s inspectors: it needs at least %(k)s.")
            % {"n": len(pool), "k": per_target}
        )
    found = candidates_of(place=place, criteria=criteria)
    candidates = list(found.values_list("pk", flat=True))
    if len(candidates) < count:
        raise UserError(
            _("Only %(n)s enterprises match the filter: draw at most that many.")
            % {"n": len(candidates)},
            code="count",
        )
    conflicts = conflicts_of(found, pool)
    seed = seed or new_seed()
    result = run(
        seed=seed, candidates=candidates, pool=pool, conflicts=conflicts, count=count,
        per_target=per_target,
    )  # fmt: skip
    now = timezone.now()
    draw = Draw(
        place=place, office=capacity.office, template=template, planned_for=date,
        criteria=criteria.as_data(), target_count=count, per_target=per_target,
        candidates=candidates, pool=pool, conflicts=conflicts, seed=seed, algorithm=ALGORITHM,
        drawn_at=now, drawn_by=actor, **_number(place, now),
    )  # fmt: skip
    fields = {f.attname: getattr(draw, f.attname) for f in Draw._meta.concrete_fields}
    fields.pop("id")
    fields["digest"] = digest_of(record_of(draw, result))
    draw = audited_create(
        Draw,
        actor=actor,
        reason=_("%(n)s of %(m)s candidates drawn") % {"n": count, "m": len(candidates)},
        **fields,
    )
    enterprises = Enterprise.objects.in_bulk([e for e, _team in result])
    people = User.objects.in_bulk(pool)
    for position, (enterprise_id, team) in enumerate(result, start=1):
        inspection = services.inspection_plan(
            actor=actor,
            enterprise=enterprises[enterprise_id],
            kind=InspectionKind.RANDOM,
            template=template,
            date=date,
            inspector=people[team[0]],
            office=capacity.office,
        )
        audited_create(
            DrawTarget,
            actor=actor,
            draw=draw,
            position=position,
            enterprise_id=enterprise_id,
            inspectors=team,
            companion=people[team[1]] if len(team) > 1 else None,
            inspection=inspection,
        )
    return draw


def may_manage(actor, draw: Draw) -> bool:
    """The office that made the draw, or a command office over its place."""
    return any(
        draw.place.path.startswith(c.root.path) and (c.command or c.office == draw.office)
        for c in capacities(actor)
    )


@transaction.atomic
def draw_publish(*, actor, draw: Draw) -> Draw:
    """Publish the draw and, as its inspections are recorded, their results on the public
    page (一公开). Publishing twice changes nothing."""
    if not may_manage(actor, draw):
        raise NotAllowed(
            _("Only the office that made the draw, or a command office over it, may publish it.")
        )
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    if draw.published_at is not None:
        return draw
    return audited_update(
        draw, actor=actor, reason="published", published_at=timezone.now(), published_by=actor
    )


# --- checking a draw ------------------------------------------------------------------------


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    rerun: list[tuple[int, list[int]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(draw: Draw) -> Verification:
    """Re-run the draw from its record and compare: the targets and teams stored, the digest
    of the record, and the inspections planned from it."""
    checked = Verification()
    picks = list(draw.picks.select_related("inspection").order_by("position"))
    stored = [(p.enterprise_id, list(p.inspectors)) for p in picks]
    try:
        checked.rerun = run(
            seed=draw.seed, candidates=draw.candidates, pool=draw.pool,
            conflicts=draw.conflicts, count=draw.target_count, per_target=draw.per_target,
            algorithm=draw.algorithm,
        )  # fmt: skip
    except (ValueError, TypeError, UserError):
        checked.problems.append(_("The record cannot be re-run: it has been altered."))
    else:
        if checked.rerun != stored:
            checked.problems.append(
                _("Re-run from its record, the draw gives other targets or inspectors.")
            )
    if digest_of(record_of(draw, stored)) != draw.digest:
        checked.problems.append(_("The record no longer matches its digest."))
    for pick in picks:
        inspection = pick.inspection
        team = list(pick.inspectors)
        if (
            inspection.enterprise_id != pick.enterprise_id
            or inspection.kind != InspectionKind.RANDOM
            or not team
            or inspection.inspector_id not in (team[0], None)
            or pick.companion_id != (team[1] if len(team) > 1 else None)
        ):
            checked.problems.append(
                _("Target %(n)s: the inspection does not match the draw.") % {"n": pick.position}
            )
    return checked


# --- reads ----------------------------------------------------------------------------------


def draws_in_scope(user) -> QuerySet[Draw]:
    return scoped(Draw.objects.all(), user).select_related("place", "office", "template")


def published_draws() -> QuerySet[Draw]:
    return Draw.objects.filter(published_at__isnull=False).select_related("place", "template")


def unpublished_draws() -> QuerySet[Draw]:
    """Draws made and not published: their numbers and dates are public too, so that a draw
    cannot be made again and again until one suits and only that one published."""
    return Draw.objects.filter(published_at__isnull=True).select_related("place")


def revealed(draw: Draw, today: datetime.date | None = None) -> bool:
    """Are the enterprises drawn public yet? From the day of the inspections on: published
    earlier, the draw shows its digest (which binds it to its result) and not whom it drew,
    which would warn them."""
    return draw.planned_for <= (today or timezone.localdate())


def picks_of(draw: Draw) -> list[DrawTarget]:
    """The targets with their enterprise, inspection and its order, in the order drawn."""
    return list(
        draw.picks.select_related("enterprise", "inspection", "inspection__rectification").order_by(
            "position"
        )
    )


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str
    style: str  # a Bootstrap colour


def outcome(inspection: Inspection) -> Outcome:
    """What became of a drawn target's inspection, as the public page says it."""
    if inspection.status == InspectionStatus.CANCELLED:
        return Outcome("cancelled", _("Cancelled"), "secondary")
    if inspection.status != InspectionStatus.DONE:
        return Outcome("pending", _("Not inspected yet"), "light")
    if inspection.passed:
        return Outcome("passed", _("Passed"), "success")
    try:
        order = inspection.rectification
    except ObjectDoesNotExist:
        return Outcome("failed", _("Failed"), "danger")
    if order.status == OrderStatus.CLOSED:
        return Outcome("rectified", _("Failed; rectified and passed re-inspection"), "info")
    return Outcome("rectifying", _("Failed; rectification ordered"), "warning")


def names_of(user_ids) -> dict[int, str]:
    """Inspectors' names (their full names: public in 双随机 practice; never a phone or a
    login name)."""
    return {
        pk: name or _("(no name)")
        for pk, name in User.objects.filter(pk__in=set(user_ids)).values_list("pk", "full_name")
    }
