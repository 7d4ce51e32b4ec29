"""The one state machine of a filing: which action moves it from which state to which, in which
mode, and who may take it, declared on the workflow engine (``fugong.core.workflow``).
Services take every step through ``FILINGS.apply``; pages and the API ask
``available_actions`` which buttons to show."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import CadreTitle, Level, Role
from fugong.accounts.models import Office
from fugong.accounts.selectors import active_memberships
from fugong.core import tree
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.workflow import Transition, Workflow, transition
from fugong.resumption import policy
from fugong.resumption.choices import EDITABLE, Mode, Status
from fugong.resumption.models import Filing, FilingEvent

S = Status
ALL_MODES = frozenset(Mode.values)
REVIEWED = frozenset({Mode.APPROVAL, Mode.RECORD})

# Who acts on a filing (see ``actor_kinds``).
ENTERPRISE = "enterprise"  # the enterprise's own users, or the operator of its park
REVIEWER = "reviewer"  # a member of one of the offices the filing is routed to
INSPECTOR = "inspector"  # a reviewer, a cadre assigned to the enterprise, its grid's chief
APPROVER = "approver"  # the command office of the filing's town, or the county when required


def _t(action, label, sources, target, modes, actors, **kw) -> Transition:
    return transition(action, label, sources, target, actors=actors, when={"mode": modes}, **kw)


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
    return FILINGS.named(action)


def transition_for(action: str, *, mode: str, status: str) -> Transition | None:
    for t in TRANSITIONS:
        if t.action == action and mode in t.when["mode"] and status in t.sources:
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


GRID_CHIEF = {"role": Role.CADRE, "title": CadreTitle.GRID_CHIEF}


def is_grid_chief_of(membership, enterprise) -> bool:
    """Whether ``membership`` makes its user the grid chief (网格长) of the grid ``enterprise``
    is registered in: a cadre membership titled grid chief, naming a grid that is the
    enterprise's place or holds it. Their data scope is that grid, so they see the filing.
    ``grid_chiefs_of`` is the same test as a query."""
    place = membership.jurisdiction
    return (
        all(getattr(membership, name) == value for name, value in GRID_CHIEF.items())
        and place is not None
        and place.level == Level.GRID
        and place.path in tree.ancestor_paths(enterprise.jurisdiction)
    )


def grid_chiefs_of(enterprise, prefix: str = "") -> Q:
    """The memberships (under ``prefix``, e.g. ``"memberships__"`` from users) that make their
    user the grid chief of ``enterprise`` (``is_grid_chief_of`` as a query)."""
    return Q(
        **{f"{prefix}{name}": value for name, value in GRID_CHIEF.items()},
        **{f"{prefix}jurisdiction__level": Level.GRID},
        **{f"{prefix}jurisdiction__path__in": tree.ancestor_paths(enterprise.jurisdiction)},
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
    return FILINGS.available(user, filing)


def _stage_days(filing: Filing, status: str) -> int | None:
    return policy.policy_for(filing.jurisdiction).stage_days.get(status)


def filing_event(filing: Filing, *, actor, action: str, before: str, reason: str = "") -> None:
    """A row of the filing's timeline, naming the office the actor acted for."""
    is_user = getattr(actor, "pk", None) is not None
    office = None
    if is_user:
        office = (
            Office.objects.filter(memberships__user=actor, memberships__is_active=True)
            .filter(pk__in=filing.routed_offices.values("pk"))
            .first()
        )
    FilingEvent.objects.create(
        filing=filing,
        actor=actor if is_user else None,
        actor_name=actor.get_username() if is_user else str(actor or "system"),
        office=office,
        action=action,
        from_status=before,
        to_status=filing.status,
        reason=reason,
    )


class FilingWorkflow(Workflow):
    """The engine, with the filing's row lock (its enterprise and place joined), event rows and
    sentences that speak of a filing."""

    def lock(self, obj):
        return (
            Filing.objects.select_for_update(of=("self",))
            .select_related("enterprise", "enterprise__park", "jurisdiction")
            .get(pk=obj.pk)
        )

    def record_event(self, obj, *, actor, transition, before, reason):
        filing_event(obj, actor=actor, action=transition.action, before=before, reason=reason)

    def stale(self, obj):
        return Conflict(
            gettext(
                "Someone else changed this filing while you had it open (it is now “%(status)s”). "
                "Reload the page; what you typed is still in the form."
            )
            % {"status": obj.get_status_display()}
        )

    def not_possible(self, obj, action):
        possible = self.named(action)
        label = possible[0].label if possible else action
        return Conflict(
            gettext("“%(action)s” is not possible: the filing is “%(status)s” (%(mode)s).")
            % {
                "action": label,
                "status": obj.get_status_display(),
                "mode": obj.get_mode_display(),
            }
        )

    def refused(self, obj, t):
        return NotAllowed(gettext("You may not “%(action)s” this filing.") % {"action": t.label})

    def reason_required(self, obj, t):
        return UserError(
            gettext("Give the reason, so the enterprise knows what to do."), code="reason_required"
        )


FILINGS = FilingWorkflow(
    "resumption.filing",
    TRANSITIONS,
    due_field="stage_due",
    due_days=_stage_days,
    roles=actor_kinds,
)
