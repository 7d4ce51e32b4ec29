"""The filings' part of "my work" (待办, ``fugong.core.work``): what waits for each actor of a
filing (``workflow.actor_kinds``) in the state where the transition table lets them act.
Each source is a query in the user's data scope (``filing_list``), mirroring the workflow's
rules of who acts (tests/resumption/test_work.py holds every item to a button the filing's page
shows the user). Declared in apps.py."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import Level, Role
from fugong.accounts.selectors import active_memberships
from fugong.core.registry import WorkItem, WorkSource
from fugong.resumption.choices import EDITABLE, Mode, Status
from fugong.resumption.models import Acceptance, Filing
from fugong.resumption.selectors import filing_list, reviewer_office_ids

S = Status
NOTHING = Q(pk__in=[])


def _filing_items(qs: QuerySet[Filing], limit: int) -> tuple[list[WorkItem], int]:
    total = qs.count()
    if not total:
        return [], 0
    today = timezone.localdate()
    rows = qs.order_by(F("stage_due").asc(nulls_last=True), "pk")[:limit]
    return [
        WorkItem(
            title=f.enterprise.name,
            url=reverse("resumption:detail", args=[f.pk]),
            due=f.stage_due,
            overdue=bool(f.stage_due and f.stage_due < today),
            detail=f"{f.get_status_display()} · {f.jurisdiction.name}",
        )
        for f in rows
    ], total


def to_review(user, limit: int) -> tuple[list[WorkItem], int]:
    """Submitted filings and those under review whose lead office (the office that decides)
    is one of the user's: the reviewer starts the review, returns, rejects, records or
    schedules the acceptance. A filing with no lead office is reviewed by every office it is
    routed to."""
    offices = reviewer_office_ids(user)
    if not offices:
        return [], 0
    routed = Filing.routed_offices.through.objects.filter(
        filing_id=OuterRef("pk"), office_id__in=offices
    )
    qs = filing_list(user=user).filter(
        Q(lead_office_id__in=offices) | Q(lead_office__isnull=True) & Exists(routed),
        status__in=[S.SUBMITTED, S.UNDER_REVIEW],
    )
    return _filing_items(qs, limit)


def acceptances_to_do(user, limit: int) -> tuple[list[WorkItem], int]:
    """The on-site acceptances the user was sent to and has not recorded yet."""
    qs = Acceptance.objects.filter(
        inspector=user,
        performed_at__isnull=True,
        filing__status=S.ACCEPTANCE_SCHEDULED,
        filing__in=filing_list(user=user).values("pk"),
    ).select_related("filing__enterprise", "filing__jurisdiction")
    total = qs.count()
    if not total:
        return [], 0
    today = timezone.localdate()
    return [
        WorkItem(
            title=a.filing.enterprise.name,
            url=reverse("resumption:acceptance", args=[a.filing_id]),
            due=a.scheduled_for,
            overdue=a.scheduled_for < today,
            detail=f"{_('On-site acceptance')} · {a.filing.jurisdiction.name}",
        )
        for a in qs.order_by("scheduled_for", "pk")[:limit]
    ], total


def approves(user) -> Q:
    """The filings a command office of the user approves (``workflow._approves`` as a query):
    those in its subtree, at the town's level only those that do not need the county's
    approval; a grid's command office approves none."""
    q = NOTHING
    for m in active_memberships(user):
        place = m.jurisdiction
        if m.role != Role.COMMAND or place is None or place.level == Level.GRID:
            continue
        if place.depth <= 2:
            q |= Q(jurisdiction__path__startswith=place.path)
        elif place.depth == 3:
            q |= Q(jurisdiction__path__startswith=place.path, needs_county_approval=False)
    return q


def to_approve(user, limit: int) -> tuple[list[WorkItem], int]:
    """Filings that passed their acceptance (approve or reject) and approved ones waiting for
    their notice, for the command office that approves them."""
    q = approves(user)
    if q == NOTHING:
        return [], 0
    qs = filing_list(user=user).filter(q, mode=Mode.APPROVAL, status__in=[S.ACCEPTED, S.APPROVED])
    return _filing_items(qs, limit)


def to_fix(user, limit: int) -> tuple[list[WorkItem], int]:
    """The enterprise's filings it may change and submit: drafts, those returned for more and
    those that failed their acceptance (for a park's operator, its tenants')."""
    q = NOTHING
    for m in active_memberships(user):
        if m.role == Role.ENTERPRISE and m.enterprise_id:
            q |= Q(enterprise_id=m.enterprise_id)
        elif m.role == Role.PARK_OPERATOR and m.office_id:
            q |= Q(enterprise__park__operator_id=m.office_id)
    if q == NOTHING:
        return [], 0
    return _filing_items(filing_list(user=user).filter(q, status__in=EDITABLE), limit)


SOURCES = [
    WorkSource(
        "resumption.to_fix",
        _("Resumption filings to complete and submit"),
        frozenset({Role.ENTERPRISE, Role.PARK_OPERATOR}),
        to_fix,
        url_name="resumption:list",
        order=100,
    ),
    WorkSource(
        "resumption.to_review",
        _("Filings to review"),
        frozenset({Role.REVIEWER, Role.PARK_OPERATOR}),
        to_review,
        url_name="resumption:queue",
        order=110,
    ),
    WorkSource(
        "resumption.acceptances",
        _("On-site acceptances to carry out"),
        frozenset({Role.REVIEWER, Role.PARK_OPERATOR, Role.CADRE}),
        acceptances_to_do,
        url_name="resumption:list",
        order=120,
    ),
    WorkSource(
        "resumption.to_approve",
        _("Filings to approve and notices to issue"),
        frozenset({Role.COMMAND}),
        to_approve,
        url_name="resumption:pipeline",
        order=130,
    ),
]
