"""What requests tell people at every hand-over (issue 12's engine, declared in apps.py): a
request raised reaches its dispatchers, a dispatched one its departments, a returned one its
dispatchers, a reply the enterprise, an unsatisfied rating the department again; extension
requests and decisions. Each kind names the step of ``workflow.CASES`` that raises it; the
notifications app keeps those who see the request and drops the actor."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.choices import Role
from fugong.accounts.selectors import member_ids
from fugong.cases import workflow as W
from fugong.cases.models import Case, Extension, Urge
from fugong.core.registry import EventKind

WORKFLOW = "cases.case"
RAISED = "cases.raised"
EXTENSION_ASKED = "cases.extension_asked"
EXTENSION_DECIDED = "cases.extension_decided"
URGED = "cases.urged"


def dispatchers(case: Case) -> list[int]:
    return member_ids(W.dispatchers_q(case))


def departments(case: Case) -> list[int]:
    """The members of every department the request is dispatched to."""
    return member_ids(Q(role__in=[Role.DEPARTMENT, Role.REVIEWER], office__in=case.offices.all()))


def lead_department(case: Case) -> list[int]:
    if not case.lead_office_id:
        return []
    return member_ids(Q(role__in=[Role.DEPARTMENT, Role.REVIEWER], office_id=case.lead_office_id))


def enterprise_side(case: Case) -> list[int]:
    """The enterprise's users and whoever raised the request for it."""
    ids = member_ids(Q(role=Role.ENTERPRISE, enterprise_id=case.enterprise_id))
    if case.raised_by_id:
        ids.append(case.raised_by_id)
    return ids


def _url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def params(case: Case, step: dict | None = None) -> dict:
    return {
        "number": case.number,
        "enterprise": case.enterprise.name,
        "title": case.title[:40],
        "reason": ((step or {}).get("reason") or "")[:100],
    }


def _kind(code: str, label, actions, recipients, title, **kw) -> EventKind:
    return EventKind(
        code=f"cases.{code}",
        label=label,
        recipients=recipients,
        title=title,
        url=_url,
        params=params,
        workflow=WORKFLOW,
        actions=frozenset(actions),
        **kw,
    )


def extension_params(e: Extension, step: dict | None = None) -> dict:
    return {**params(e.case, step), "days": e.days, "status": e.get_status_display()}


def urge_params(u: Urge, step: dict | None = None) -> dict:
    return {**params(u.case, step), "urge": u.number, "office": u.office.name}


def urged(u: Urge) -> list[int]:
    """The department urged and the command office that issued the notice."""
    return [
        *lead_department(u.case),
        *member_ids(Q(role=Role.COMMAND, jurisdiction_id=u.issuer_id)),
    ]


KINDS = [
    EventKind(
        code=RAISED,
        label=gettext_lazy("A request waits for dispatch"),
        recipients=dispatchers,
        title=lambda p: _("%(enterprise)s raised request %(number)s: %(title)s") % p,
        url=_url,
        params=params,
    ),
    _kind(
        "dispatched",
        gettext_lazy("A request was dispatched to your department"),
        ["dispatch"],
        departments,
        lambda p: _("Request %(number)s of %(enterprise)s is yours to handle: %(title)s") % p,
    ),
    _kind(
        "returned",
        gettext_lazy("A department returned a request"),
        ["return"],
        dispatchers,
        lambda p: _("Request %(number)s was returned as mis-routed: %(reason)s") % p,
    ),
    _kind(
        "replied",
        gettext_lazy("Your request was replied to"),
        ["reply"],
        enterprise_side,
        lambda p: _("Request %(number)s has a reply: rate it.") % p,
        mandatory=True,
    ),
    _kind(
        "reopened",
        gettext_lazy("An unsatisfied enterprise reopened a request"),
        ["reopen"],
        lead_department,
        lambda p: _("%(enterprise)s is not satisfied with the reply to %(number)s: %(reason)s") % p,
    ),
    _kind(
        "closed",
        gettext_lazy("A request was rated and closed"),
        ["rate"],
        lead_department,
        lambda p: _("Request %(number)s was rated and closed.") % p,
    ),
    EventKind(
        code=EXTENSION_ASKED,
        label=gettext_lazy("A department asks for more time"),
        recipients=lambda e: dispatchers(e.case),
        title=lambda p: _("More time (%(days)s working days) asked for request %(number)s") % p,
        url=lambda e: _url(e.case),
        params=extension_params,
    ),
    EventKind(
        code=EXTENSION_DECIDED,
        label=gettext_lazy("An extension request was decided"),
        recipients=lambda e: lead_department(e.case),
        title=lambda p: _("More time for request %(number)s: %(status)s") % p,
        url=lambda e: _url(e.case),
        params=extension_params,
    ),
    EventKind(
        code=URGED,
        label=gettext_lazy("A request is overdue: urging notice"),
        recipients=urged,
        title=lambda p: (
            _("%(urge)s: request %(number)s is overdue; %(office)s must reply now.") % p
        ),
        url=lambda u: reverse("cases:urge", args=[u.pk]),
        params=urge_params,
        mandatory=True,
    ),
]
