"""The one state machine of a request (诉求), declared on the workflow engine
(``fugong.core.workflow``): 受理 (submitted) → 转办 (dispatched) → 承办 (signed for, handled) →
办结 (replied) → 评价 (rated, closed); a department returns a mis-routed request to the
dispatcher within a set time; 不满意 reopens it once to the same department."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.accounts.selectors import active_memberships
from fugong.cases.choices import Status
from fugong.cases.models import Case, CaseEvent
from fugong.core import calendar, tree
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.workflow import Transition, Workflow, transition

S = Status

# Who acts on a request (see ``actor_kinds``).
ENTERPRISE = "enterprise"  # the enterprise's users, its park operator, who raised it
DISPATCHER = "dispatcher"  # a command office of the request's place or above it
HANDLER = "handler"  # a member of the lead department
CO_HANDLER = "co_handler"  # a member of a co-handling department

# Working days a department has to return a mis-routed request (then it must handle it).
RETURN_DAYS = 1


def may_return(user, case: Case) -> bool:
    """A department returns a request within RETURN_DAYS working days of its dispatch."""
    if case.dispatched_at is None:
        return True
    last = calendar.add_working_days(timezone.localdate(case.dispatched_at), RETURN_DAYS)
    return timezone.localdate() <= last


def _within_return_window(user, case: Case) -> bool:
    return HANDLER in actor_kinds(user, case) and may_return(user, case)


TRANSITIONS: list[Transition] = [
    transition("dispatch", _("Dispatch"), [S.SUBMITTED, S.RETURNED], S.DISPATCHED, actors=[DISPATCHER]),
    transition("accept", _("Sign for it"), [S.DISPATCHED], S.HANDLING, actors=[HANDLER]),
    transition("return", _("Return as mis-routed"), [S.DISPATCHED], S.RETURNED,
               may=_within_return_window, needs_reason=True, style="warning"),
    transition("reply", _("Reply"), [S.DISPATCHED, S.HANDLING], S.REPLIED, actors=[HANDLER],
               style="success"),
    transition("rate", _("Rate the reply"), [S.REPLIED], S.CLOSED, actors=[ENTERPRISE]),
    transition("reopen", _("Unsatisfied: handle it again"), [S.REPLIED], S.HANDLING,
               may=lambda user, case: not case.reopened and ENTERPRISE in actor_kinds(user, case),
               needs_reason=True, style="warning"),
    transition("withdraw", _("Withdraw"), [S.SUBMITTED, S.DISPATCHED, S.HANDLING, S.RETURNED],
               S.WITHDRAWN, actors=[ENTERPRISE], needs_reason=True, style="outline-secondary"),
]  # fmt: skip

# Actions with a form of their own (not a bare button).
FORM_ACTIONS = {"dispatch", "reply", "rate", "reopen"}


# Command offices of the request's town (or street) and above it dispatch it: depth 3 is a
# town or a street (province 0, city 1, county 2), as the filings' approvers.
DISPATCH_DEPTH = 3


def dispatchers_q(case: Case) -> Q:
    """The memberships that make their users dispatchers of ``case``."""
    return Q(
        role=Role.COMMAND,
        is_active=True,
        jurisdiction__path__in=tree.ancestor_paths(case.jurisdiction),
        jurisdiction__depth__lte=DISPATCH_DEPTH,
    )


def actor_kinds(user, case: Case) -> set[str]:
    """What ``user`` is to ``case``: possibly several things, possibly nothing."""
    kinds: set[str] = set()
    if case.raised_by_id and case.raised_by_id == getattr(user, "pk", None):
        kinds.add(ENTERPRISE)
    offices = set(case.offices.values_list("pk", flat=True)) if case.pk else set()
    above = tree.ancestor_paths(case.jurisdiction)
    for m in active_memberships(user):
        if m.role == Role.ENTERPRISE and m.enterprise_id == case.enterprise_id:
            kinds.add(ENTERPRISE)
        elif m.role == Role.PARK_OPERATOR and case.enterprise.park_id:
            if case.enterprise.park.operator_id == m.office_id:
                kinds.add(ENTERPRISE)
        elif m.role in (Role.DEPARTMENT, Role.REVIEWER) and m.office_id in offices:
            kinds.add(HANDLER if m.office_id == case.lead_office_id else CO_HANDLER)
        elif (
            m.role == Role.COMMAND
            and m.jurisdiction is not None
            and m.jurisdiction.path in above
            and m.jurisdiction.depth <= DISPATCH_DEPTH
        ):
            kinds.add(DISPATCHER)
    return kinds


def available_actions(user, case: Case) -> list[Transition]:
    return CASES.available(user, case)


def office_of(user, case: Case):
    """The department ``user`` acts for on ``case`` (the lead first), if any."""
    ids = list(
        Membership.objects.filter(
            user=user,
            is_active=True,
            role__in=[Role.DEPARTMENT, Role.REVIEWER],
            office__in=case.offices.all(),
        ).values_list("office_id", flat=True)
    )
    if case.lead_office_id in ids:
        return case.lead_office
    from fugong.accounts.models import Office

    return Office.objects.filter(pk__in=ids).first()


def case_event(case: Case, *, actor, action: str, before: str, reason: str = "") -> None:
    is_user = getattr(actor, "pk", None) is not None
    CaseEvent.objects.create(
        case=case,
        actor=actor if is_user else None,
        actor_name=(actor.full_name or actor.get_username()) if is_user else str(actor),
        office=office_of(actor, case) if is_user else None,
        action=action,
        from_status=before,
        to_status=case.status,
        reason=reason,
    )


class CaseWorkflow(Workflow):
    def lock(self, obj):
        return (
            Case.objects.select_for_update(of=("self",))
            .select_related("enterprise", "enterprise__park", "jurisdiction", "category")
            .get(pk=obj.pk)
        )

    def record_event(self, obj, *, actor, transition, before, reason):
        case_event(obj, actor=actor, action=transition.action, before=before, reason=reason)

    def stale(self, obj):
        return Conflict(
            gettext(
                "Someone else changed this request while you had it open (it is now "
                "“%(status)s”). Reload the page; what you typed is still in the form."
            )
            % {"status": obj.get_status_display()}
        )

    def not_possible(self, obj, action):
        possible = self.named(action)
        label = possible[0].label if possible else action
        return Conflict(
            gettext("“%(action)s” is not possible: the request is “%(status)s”.")
            % {"action": label, "status": obj.get_status_display()}
        )

    def refused(self, obj, t):
        if t.action == "return" and not may_return(None, obj):
            return NotAllowed(
                gettext(
                    "The time to return this request has passed (%(days)s working day after "
                    "its dispatch): handle it, or ask the dispatcher."
                )
                % {"days": RETURN_DAYS}
            )
        return NotAllowed(gettext("You may not “%(action)s” this request.") % {"action": t.label})

    def reason_required(self, obj, t):
        return UserError(gettext("Give the reason."), code="reason_required")


CASES = CaseWorkflow("cases.case", TRANSITIONS, roles=actor_kinds)


def overdue(case: Case, today: datetime.date | None = None) -> bool:
    """Past its reply date and still with the department."""
    from fugong.cases.choices import WITH_DEPARTMENT

    today = today or timezone.localdate()
    return case.status in WITH_DEPARTMENT and case.due is not None and case.due < today
