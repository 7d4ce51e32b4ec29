"""What the workforce app tells people (issue 12's engine): a pass waiting for approval
reaches the cadres who may approve it (assigned to the enterprise, or of a grid above it);
and it is in their "my work" until approved. Declared in apps.py."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.core.registry import EventKind, WorkItem, WorkSource
from fugong.core.tree import ancestor_paths
from fugong.enterprises.models import Assignment
from fugong.workforce.choices import Half
from fugong.workforce.models import Pass

PASS_REQUESTED = "workforce.pass_requested"
ABNORMAL = "workforce.abnormal_checkin"
CHECKIN_REMINDER = "workforce.checkin_reminder"


def approvers(p: Pass) -> list[int]:
    """The cadres assigned to the enterprise (包保) and the grid chiefs of its grid."""
    enterprise = p.employee.enterprise
    assigned = set(
        Assignment.objects.filter(enterprise_id=enterprise.pk).values_list("user_id", flat=True)
    )
    above = ancestor_paths(enterprise.jurisdiction)
    chiefs = set(
        Membership.objects.filter(
            Q(role=Role.CADRE, is_active=True, jurisdiction__path__in=above)
        ).values_list("user_id", flat=True)
    )
    return sorted(assigned | chiefs)


def enterprise_and_grid(checkin) -> list[int]:
    """The enterprise's own users (its 防疫专员), its 包保 cadres and grid chiefs."""
    enterprise = checkin.employee.enterprise
    own = Membership.objects.filter(
        role=Role.ENTERPRISE, enterprise_id=enterprise.pk, is_active=True
    ).values_list("user_id", flat=True)
    fake = Pass(employee=checkin.employee)  # the same people as a pass's approvers
    return sorted(set(own) | set(approvers(fake)))


KINDS = [
    EventKind(
        code=CHECKIN_REMINDER,
        label=gettext_lazy("Check-in reminder"),
        recipients=lambda e: [e.user_id] if e.user_id else [],
        title=lambda params: (
            _("Please check in for %(day)s (%(half)s)")
            % {"day": params["day"], "half": Half(params["half"]).label}
        ),
        url=lambda e: reverse("workforce:me"),
        health=True,
    ),
    EventKind(
        code=ABNORMAL,
        label=gettext_lazy("Abnormal check-in"),
        recipients=enterprise_and_grid,
        title=lambda params: _("Abnormal check-in at %(enterprise)s on %(day)s") % params,
        url=lambda c: reverse("workforce:today"),
        mandatory=True,
        health=True,  # never by SMS
    ),
    EventKind(
        code=PASS_REQUESTED,
        label=gettext_lazy("A pass waits for approval"),
        recipients=approvers,
        title=lambda params: _("%(enterprise)s asks a pass for one of its staff") % params,
        url=lambda p: reverse("workforce:pass_approvals"),
        params=lambda p, step: {"enterprise": p.employee.enterprise.name},
        health=True,  # about a person's return and isolation: never by SMS
    ),
]


def passes_to_approve(user, limit: int) -> tuple[list[WorkItem], int]:
    from fugong.workforce.passes import approvals

    qs = approvals(user)
    total = qs.count()
    today = timezone.localdate()
    items = [
        WorkItem(
            title=p.employee.enterprise.name,
            url=reverse("workforce:pass_approvals"),
            due=p.employee.may_work_from,
            overdue=bool(p.employee.may_work_from and p.employee.may_work_from < today),
            detail=p.employee.get_origin_display(),
        )
        for p in qs[:limit]
    ]
    return items, total


SOURCES = [
    WorkSource(
        "workforce.passes_to_approve",
        gettext_lazy("Passes to approve"),
        frozenset({Role.CADRE, Role.COMMAND}),
        passes_to_approve,
        url_name="workforce:pass_approvals",
        order=400,
    )
]
