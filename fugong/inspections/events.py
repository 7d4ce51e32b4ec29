"""What inspections tell people (issue 12's engine, declared in apps.py): an inspection
planned reaches its inspector (a self-check: the enterprise; an unannounced one never the
enterprise), a self-check submitted its office, one sent back the enterprise, a rectification
order and an order to stop the enterprise, a rectification reported its re-inspector. The
notifications app keeps those who see the subject and drops the actor."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.choices import Role
from fugong.accounts.selectors import enterprise_user_ids, member_ids
from fugong.core import tree
from fugong.core.registry import EventKind
from fugong.inspections.choices import InspectionKind
from fugong.inspections.models import Inspection, Rectification

PLANNED = "inspections.planned"
ORDERED = "inspections.ordered"
REPORTED = "inspections.reported"
STOPPED = "inspections.stopped"


def enterprise_users(obj) -> list[int]:
    return enterprise_user_ids(obj.enterprise_id)


def office_side(obj) -> list[int]:
    """The responsible office's members and the command office of the enterprise's town."""
    q = Q(role=Role.COMMAND, jurisdiction__path__in=tree.ancestor_paths(obj.jurisdiction),
          jurisdiction__depth=3)  # fmt: skip
    if obj.office_id:
        q |= Q(role__in=[Role.REVIEWER, Role.DEPARTMENT], office_id=obj.office_id)
    return member_ids(q)


def planned_for(i: Inspection) -> list[int]:
    if i.kind == InspectionKind.SELF_CHECK:
        return enterprise_users(i)
    if i.inspector_id:
        return [i.inspector_id]
    return member_ids(Q(role__in=[Role.REVIEWER, Role.DEPARTMENT], office_id=i.office_id))


def reinspector(order: Rectification) -> list[int]:
    planned = order.reinspections.filter(status="planned").order_by("-pk").first()
    return planned_for(planned) if planned else office_side(order)


def params(obj, step: dict | None = None) -> dict:
    kind = obj.get_kind_display() if isinstance(obj, Inspection) else ""
    return {
        "enterprise": obj.enterprise.name,
        "number": getattr(obj, "number", ""),
        "kind": str(kind),
        "day": obj.planned_for.isoformat() if isinstance(obj, Inspection) else "",
        "deadline": obj.deadline.isoformat() if isinstance(obj, Rectification) else "",
        "reason": ((step or {}).get("reason") or "")[:100],
    }


def _inspection_url(i: Inspection) -> str:
    return reverse("inspections:detail", args=[i.pk])


KINDS = [
    EventKind(
        code=PLANNED,
        label=gettext_lazy("An inspection is planned for you"),
        recipients=planned_for,
        title=lambda p: _("%(kind)s of %(enterprise)s on %(day)s") % p,
        url=_inspection_url,
        params=params,
    ),
    EventKind(
        code="inspections.submitted",
        label=gettext_lazy("A self-check waits for review"),
        recipients=office_side,
        title=lambda p: _("%(enterprise)s submitted its self-check: review it.") % p,
        url=_inspection_url,
        params=params,
        workflow="inspections.inspection",
        actions=frozenset({"submit"}),
    ),
    EventKind(
        code="inspections.sent_back",
        label=gettext_lazy("Your self-check was sent back"),
        recipients=enterprise_users,
        title=lambda p: _("Your self-check was sent back: %(reason)s") % p,
        url=_inspection_url,
        params=params,
        workflow="inspections.inspection",
        actions=frozenset({"send_back"}),
        mandatory=True,
    ),
    EventKind(
        code=ORDERED,
        label=gettext_lazy("A rectification order was issued to you"),
        recipients=enterprise_users,
        title=lambda p: _("Rectification order %(number)s: put it right by %(deadline)s.") % p,
        url=lambda o: reverse("inspections:order", args=[o.pk]),
        params=params,
        mandatory=True,
    ),
    EventKind(
        code=REPORTED,
        label=gettext_lazy("A rectification was reported: re-inspect it"),
        recipients=reinspector,
        title=lambda p: _("%(enterprise)s reports order %(number)s put right: re-inspect it.") % p,
        url=lambda o: reverse("inspections:order", args=[o.pk]),
        params=params,
    ),
    EventKind(
        code=STOPPED,
        label=gettext_lazy("An order to stop operating was issued to you"),
        recipients=enterprise_users,
        title=lambda p: _("Order to stop operating %(number)s: stop at once.") % p,
        url=lambda s: reverse("inspections:stop", args=[s.pk]),
        params=params,
        mandatory=True,
    ),
]
