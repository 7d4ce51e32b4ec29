"""What the filings tell people (issue 12, events declared to the registry in apps.py): each
kind names the step of the filing workflow (``FILINGS``) that raises it and who it concerns,
the same people the transition table lets act next (``workflow.actor_kinds``). The
notifications app keeps those who see the filing and drops the actor."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.choices import Level, Role
from fugong.accounts.selectors import member_ids
from fugong.core import tree
from fugong.core.registry import EventKind
from fugong.enterprises.models import Assignment
from fugong.resumption.choices import Status
from fugong.resumption.models import Filing

S = Status
WORKFLOW = "resumption.filing"


def lead_reviewers(filing: Filing) -> list[int]:
    """The members of the office that reviews the filing (every office it is routed to when
    none leads)."""
    roles = Q(role__in=[Role.REVIEWER, Role.PARK_OPERATOR])
    if filing.lead_office_id:
        return member_ids(roles & Q(office_id=filing.lead_office_id))
    return member_ids(roles & Q(office__in=filing.routed_offices.all()))


def enterprise_users(filing: Filing) -> list[int]:
    """The enterprise's own users and the operator of its park (who files for its tenants)."""
    q = Q(role=Role.ENTERPRISE, enterprise_id=filing.enterprise_id)
    park = filing.enterprise.park
    if park is not None and park.operator_id:
        q |= Q(role=Role.PARK_OPERATOR, office_id=park.operator_id)
    return member_ids(q)


def inspector(filing: Filing) -> list[int]:
    """Whoever was sent to inspect on site (the latest acceptance)."""
    acceptance = filing.acceptances.order_by("-pk").first()
    return [acceptance.inspector_id] if acceptance and acceptance.inspector_id else []


def approvers(filing: Filing) -> list[int]:
    """The command offices that approve the filing (``workflow._approves``): its town's or
    above, the county's or above when the rules ask for the county's approval."""
    highest = 2 if filing.needs_county_approval else 3
    return member_ids(
        Q(
            role=Role.COMMAND,
            jurisdiction__path__in=tree.ancestor_paths(filing.jurisdiction),
            jurisdiction__depth__lte=highest,
        )
        & ~Q(jurisdiction__level=Level.GRID)
    )


def enterprise_and_assigned(filing: Filing) -> list[int]:
    """The enterprise's users and the cadres assigned to it (包保)."""
    assigned = Assignment.objects.filter(enterprise_id=filing.enterprise_id)
    return [*enterprise_users(filing), *assigned.values_list("user_id", flat=True)]


def _url(filing: Filing) -> str:
    return reverse("resumption:detail", args=[filing.pk])


def _names(filing: Filing, step: dict) -> dict:
    return {"enterprise": filing.enterprise.name, "reason": step.get("reason", "")}


def _scheduled(filing: Filing, step: dict) -> dict:
    acceptance = filing.acceptances.order_by("-pk").first()
    day = acceptance.scheduled_for if acceptance else None
    return {**_names(filing, step), "day": f"{day:%Y-%m-%d}" if day else ""}


def _kind(code: str, label, actions, recipients, title, *, targets=(), params=_names, **kw):
    return EventKind(
        code=f"resumption.{code}",
        label=label,
        recipients=recipients,
        title=title,
        url=_url,
        params=params,
        workflow=WORKFLOW,
        actions=frozenset(actions),
        targets=frozenset(targets),
        **kw,
    )


KINDS = [
    _kind(
        "filing_submitted",
        gettext_lazy("A resumption filing was submitted for review"),
        ["submit"],
        lead_reviewers,
        lambda p: _("%(enterprise)s submitted a resumption filing for review.") % p,
        targets=[S.SUBMITTED],
    ),
    _kind(
        "filing_returned",
        gettext_lazy("A resumption filing was returned for revision"),
        ["return"],
        enterprise_users,
        lambda p: (
            _("The resumption filing of %(enterprise)s was returned for revision: %(reason)s") % p
        ),
    ),
    _kind(
        "filing_rejected",
        gettext_lazy("A resumption filing was rejected"),
        ["reject"],
        enterprise_users,
        lambda p: _("The resumption filing of %(enterprise)s was rejected: %(reason)s") % p,
    ),
    _kind(
        "acceptance_assigned",
        gettext_lazy("An on-site acceptance was assigned"),
        ["schedule_acceptance"],
        inspector,
        lambda p: (
            _("You are to carry out the on-site acceptance of %(enterprise)s on %(day)s.") % p
        ),
        params=_scheduled,
    ),
    _kind(
        "filing_accepted",
        gettext_lazy("A filing passed its on-site acceptance"),
        ["pass_acceptance"],
        approvers,
        lambda p: _("%(enterprise)s passed its on-site acceptance and waits for approval.") % p,
    ),
    _kind(
        "acceptance_failed",
        gettext_lazy("A filing failed its on-site acceptance"),
        ["fail_acceptance"],
        enterprise_users,
        lambda p: (
            _("%(enterprise)s failed its on-site acceptance; correct the items and submit again.")
            % p
        ),
    ),
    _kind(
        "notice_issued",
        gettext_lazy("A resumption notice was issued"),
        ["issue_notice"],
        enterprise_and_assigned,
        lambda p: _("The resumption notice of %(enterprise)s was issued.") % p,
        mandatory=True,
    ),
]
