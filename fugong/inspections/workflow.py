"""The state machines of inspections, rectification orders and orders to stop, declared on the
workflow engine (``fugong.core.workflow``), and who is what to them."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import Role
from fugong.accounts.models import User
from fugong.accounts.selectors import active_memberships
from fugong.core import tree
from fugong.core.workflow import Workflow, transition
from fugong.inspections.choices import InspectionKind, InspectionStatus, OrderStatus, StopStatus

IS, OS, SS = InspectionStatus, OrderStatus, StopStatus

# Who acts (see ``actor_kinds``).
PLANNER = "planner"  # a command office of the enterprise's place or above, or a member of the
# responsible office: plans, reviews self-checks, cancels, orders to stop and lifts
INSPECTOR = "inspector"  # the named inspector; with none named, the planners
ENTERPRISE = "enterprise"  # the enterprise's own users

ON_SITE = [k for k in InspectionKind if k != InspectionKind.SELF_CHECK]

INSPECTION_TRANSITIONS = [
    transition("record", _("Record the inspection"), [IS.PLANNED], IS.DONE, actors=[INSPECTOR],
               when={"kind": ON_SITE}),
    transition("submit", _("Submit the self-check"), [IS.PLANNED], IS.SUBMITTED,
               actors=[ENTERPRISE], when={"kind": [InspectionKind.SELF_CHECK]}),
    transition("accept", _("Accept the self-check"), [IS.SUBMITTED], IS.DONE, actors=[PLANNER],
               style="success"),
    transition("send_back", _("Send the self-check back"), [IS.SUBMITTED], IS.PLANNED,
               actors=[PLANNER], needs_reason=True, style="warning"),
    transition("cancel", _("Cancel"), [IS.PLANNED], IS.CANCELLED, actors=[PLANNER],
               needs_reason=True, style="outline-secondary"),
]  # fmt: skip

ORDER_TRANSITIONS = [
    transition("report", _("Report the rectification"), [OS.OPEN], OS.REPORTED,
               actors=[ENTERPRISE, PLANNER]),
    # Taken by the re-inspection (a system step of the recording service).
    transition("close", _("Close"), [OS.OPEN, OS.REPORTED], OS.CLOSED, actors=[]),
    transition("reopen", _("Rectify again"), [OS.REPORTED], OS.OPEN, actors=[]),
    transition("cancel", _("Cancel"), [OS.OPEN, OS.REPORTED], OS.CANCELLED, actors=[PLANNER],
               needs_reason=True, style="outline-secondary"),
]  # fmt: skip

STOP_TRANSITIONS = [
    transition("lift", _("Lift the order"), [SS.IN_FORCE], SS.LIFTED, actors=[PLANNER],
               needs_reason=True, style="success"),
]  # fmt: skip


def _offices_of(obj) -> set[int]:
    return {obj.office_id} if obj.office_id else set()


def actor_kinds(user, obj) -> set[str]:
    """What ``user`` is to an inspection, an order or an order to stop."""
    kinds: set[str] = set()
    enterprise_id = obj.enterprise_id
    above = set(tree.ancestor_paths(obj.jurisdiction))
    offices = _offices_of(obj)
    for m in active_memberships(user):
        if m.role == Role.ENTERPRISE and m.enterprise_id == enterprise_id:
            kinds.add(ENTERPRISE)
        elif (
            m.role == Role.COMMAND
            and m.jurisdiction is not None
            and m.jurisdiction.path in above
            or m.role in (Role.REVIEWER, Role.DEPARTMENT)
            and m.office_id in offices
        ):
            kinds.add(PLANNER)
    inspector_id = getattr(obj, "inspector_id", None)
    if inspector_id is not None:
        if inspector_id == getattr(user, "pk", None):
            kinds.add(INSPECTOR)
    elif PLANNER in kinds:
        kinds.add(INSPECTOR)
    return kinds


INSPECTIONS = Workflow("inspections.inspection", INSPECTION_TRANSITIONS, roles=actor_kinds)
ORDERS = Workflow("inspections.rectification", ORDER_TRANSITIONS, roles=actor_kinds)
STOPS = Workflow(
    "inspections.stoporder", STOP_TRANSITIONS, roles=actor_kinds, revision_field="revision"
)


def inspectors_for(enterprise):
    """Who may be named to inspect ``enterprise``: members of the command offices, reviewing
    offices and departments over its place, and its 包保 cadres."""
    above = tree.ancestor_paths(enterprise.jurisdiction)
    return (
        User.objects.filter(
            Q(memberships__role=Role.COMMAND, memberships__jurisdiction__path__in=above)
            | Q(
                memberships__role__in=[Role.REVIEWER, Role.DEPARTMENT],
                memberships__office__jurisdiction__path__in=above,
            )
            | Q(memberships__role=Role.CADRE, assignments__enterprise=enterprise),
            is_active=True,
            memberships__is_active=True,
        )
        .distinct()
        .order_by("full_name", "username")
    )
