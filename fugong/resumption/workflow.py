"""The one state machine of a filing: which action moves it from which state to which, in which
mode, and who may take it. Services call ``transition_for``; pages and the API ask
``available_actions`` which buttons to show."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import CadreTitle, Level, Role
from fugong.accounts.selectors import active_memberships
from fugong.resumption.choices import EDITABLE, Mode, Status

S = Status
ALL_MODES = frozenset(Mode.values)
REVIEWED = frozenset({Mode.APPROVAL, Mode.RECORD})

# Who acts on a filing (see ``actor_kinds``).
ENTERPRISE = "enterprise"  # the enterprise's own users, or the operator of its park
REVIEWER = "reviewer"  # a member of one of the offices the filing is routed to
INSPECTOR = "inspector"  # a reviewer, a cadre assigned to the enterprise, its grid's chief
APPROVER = "approver"  # the command office of the filing's town, or the county when required


@dataclass(frozen=True)
class Transition:
    action: str
    label: object
    sources: frozenset[str]
    target: str
    modes: frozenset[str]
    actors: frozenset[str]
    needs_reason: bool = False
    style: str = "primary"


def _t(action, label, sources, target, modes, actors, **kw) -> Transition:
    return Transition(
        action, label, frozenset(sources), target, frozenset(modes), frozenset(actors), **kw
    )


TRANSITIONS: list[Transition] = [
    _t("submit", _("Submit"), [S.DRAFT, S.RETURNED, S.ACCEPTANCE_FAILED], S.SUBMITTED, REVIEWED, [ENTERPRISE]),
    # 告知承诺制: the declaration is recorded on submission; no review may block it.
    _t("submit", _("Submit"), [S.DRAFT], S.RECORDED, [Mode.COMMITMENT], [ENTERPRISE]),
    _t("withdraw", _("Withdraw"), [S.DRAFT, S.SUBMITTED, S.RETURNED, S.UNDER_REVIEW, S.ACCEPTANCE_FAILED],
       S.WITHDRAWN, REVIEWED, [ENTERPRISE], needs_reason=True, style="outline-secondary"),
    _t("withdraw", _("Withdraw"), [S.DRAFT], S.WITHDRAWN, [Mode.COMMITMENT], [ENTERPRISE],
       needs_reason=True, style="outline-secondary"),
    _t("start_review", _("Start review"), [S.SUBMITTED], S.UNDER_REVIEW, REVIEWED, [REVIEWER]),
    _t("return", _("Return for revision"), [S.SUBMITTED, S.UNDER_REVIEW], S.RETURNED, REVIEWED,
       [REVIEWER], needs_reason=True, style="warning"),
    _t("reject", _("Reject"), [S.SUBMITTED, S.UNDER_REVIEW], S.REJECTED, REVIEWED, [REVIEWER],
       needs_reason=True, style="danger"),
    _t("record", _("Record"), [S.SUBMITTED, S.UNDER_REVIEW], S.RECORDED, [Mode.RECORD], [REVIEWER]),
    _t("schedule_acceptance", _("Schedule on-site acceptance"), [S.UNDER_REVIEW],
       S.ACCEPTANCE_SCHEDULED, [Mode.APPROVAL], [REVIEWER]),
    _t("pass_acceptance", _("Pass acceptance"), [S.ACCEPTANCE_SCHEDULED], S.ACCEPTED, [Mode.APPROVAL],
       [INSPECTOR]),
    _t("fail_acceptance", _("Fail acceptance"), [S.ACCEPTANCE_SCHEDULED], S.ACCEPTANCE_FAILED,
       [Mode.APPROVAL], [INSPECTOR], style="danger"),
    _t("approve", _("Approve"), [S.ACCEPTED], S.APPROVED, [Mode.APPROVAL], [APPROVER], style="success"),
    _t("reject", _("Reject"), [S.ACCEPTED], S.REJECTED, [Mode.APPROVAL], [APPROVER],
       needs_reason=True, style="danger"),
    _t("issue_notice", _("Issue the notice"), [S.APPROVED], S.NOTICE_ISSUED, [Mode.APPROVAL],
       [APPROVER], style="success"),
]  # fmt: skip

# Actions with a form of their own (not a bare button).
FORM_ACTIONS = {"submit", "schedule_acceptance", "pass_acceptance", "fail_acceptance"}


def transitions_named(action: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.action == action]


def transition_for(action: str, *, mode: str, status: str) -> Transition | None:
    for t in TRANSITIONS:
        if t.action == action and mode in t.modes and status in t.sources:
            return t
    return None


def actor_kinds(user, filing) -> set[str]:
    """What ``user`` is to ``filing`` (possibly several things, possibly nothing). A system
    actor (a string naming the process: demo data, a management command) acts as any."""
    if isinstance(user, str):
        return {ENTERPRISE, REVIEWER, INSPECTOR, APPROVER}
    kinds: set[str] = set()
    enterprise = filing.enterprise
    routed = set(filing.routed_offices.values_list("pk", flat=True)) if filing.pk else set()
    for m in active_memberships(user):
        if m.role == Role.ENTERPRISE and m.enterprise_id == enterprise.pk:
            kinds.add(ENTERPRISE)
        elif m.role == Role.PARK_OPERATOR:
            # The operator files for its tenants and, where the routing table names it
            # (seed 004: 园区运营方统一审核后报经贸办汇总), reviews them first.
            if enterprise.park_id and enterprise.park.operator_id == m.office_id:
                kinds.add(ENTERPRISE)
            if m.office_id in routed:
                kinds.update(_office_kinds(m.office_id, filing))
        elif m.role == Role.REVIEWER and m.office_id in routed:
            kinds.update(_office_kinds(m.office_id, filing))
        elif m.role == Role.COMMAND and m.jurisdiction and _approves(m.jurisdiction, filing):
            kinds.add(APPROVER)
        elif is_grid_chief_of(m, enterprise):
            kinds.add(INSPECTOR)  # 网格长: the grid supervision group of seed 004
    if INSPECTOR not in kinds and enterprise.assignments.filter(user=user).exists():
        kinds.add(INSPECTOR)
    return kinds


def is_grid_chief_of(membership, enterprise) -> bool:
    """Whether ``membership`` makes its user the grid chief (网格长) of the grid ``enterprise``
    is registered in: a cadre membership titled grid chief, naming a grid that is the
    enterprise's place or holds it. Their data scope is that grid, so they see the filing."""
    place = membership.jurisdiction
    return (
        membership.role == Role.CADRE
        and membership.title == CadreTitle.GRID_CHIEF
        and place is not None
        and place.level == Level.GRID
        and enterprise.jurisdiction.path.startswith(place.path)
    )


def _office_kinds(office_id: int, filing) -> set[str]:
    """The lead office reviews (seed 004 names one 审核责任单位 per enterprise); the other
    offices the filing is routed to (食安办 for canteens, the county bureaux, the economy
    office that 汇总s park filings) see it and may inspect, but do not decide."""
    if office_id == filing.lead_office_id or filing.lead_office_id is None:
        return {REVIEWER, INSPECTOR}
    return {INSPECTOR}


def _approves(jurisdiction, filing) -> bool:
    """A command office approves filings in its subtree at its level: the town's (or above)
    normally, the county's (or above) when the rules say so (early resumption, seed 004)."""
    if not filing.jurisdiction.path.startswith(jurisdiction.path):
        return False
    highest = 2 if filing.needs_county_approval else 3  # county depth 2, town/street depth 3
    return jurisdiction.depth <= highest and jurisdiction.level != Level.GRID


def may_change(user, filing, kinds: set[str] | None = None) -> bool:
    """Whether ``user`` may change the application and its files now: the enterprise (or its
    park operator) while the filing is a draft, returned for more (退回修改) or failed its
    acceptance. Pages (the upload box), the API (``can_attach``) and the services agree on it.
    ``kinds``: the user's actor kinds, when the caller has them."""
    if filing.status not in EDITABLE:
        return False
    return ENTERPRISE in (actor_kinds(user, filing) if kinds is None else kinds)


def available_actions(user, filing) -> list[Transition]:
    kinds = actor_kinds(user, filing)
    seen: set[str] = set()
    result = []
    for t in TRANSITIONS:
        if (
            t.action not in seen
            and filing.mode in t.modes
            and filing.status in t.sources
            and t.actors & kinds
        ):
            seen.add(t.action)
            result.append(t)
    return result
