"""Reads about filings; always through the user's data scope."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.models import User
from fugong.accounts.selectors import active_memberships
from fugong.core.scope import scoped
from fugong.enterprises.models import green_first
from fugong.resumption import workflow
from fugong.resumption.choices import PENDING_GOVERNMENT
from fugong.resumption.models import Filing, FilingAttachment, FilingEvent, FilingVersion


def filing_list(*, user) -> QuerySet[Filing]:
    return scoped(Filing.objects.all(), user).select_related(
        "enterprise", "jurisdiction", "lead_office"
    )


def filing_get(*, user, pk: int) -> Filing:
    """The filing if the user may see it; Filing.DoesNotExist otherwise (a 404, never a 403,
    so nobody learns what exists outside their scope)."""
    return (
        filing_list(user=user).select_related("enterprise__park", "enterprise__industry").get(pk=pk)
    )


def reviewer_office_ids(user) -> list[int]:
    return [
        m.office_id
        for m in active_memberships(user)
        if m.role in (Role.REVIEWER, Role.PARK_OPERATOR) and m.office_id
    ]


# What each office acts on: the lead office takes a filing through review and schedules the
# acceptance; every routed office sees it. The queue shows what waits for government.
QUEUE_STATES = PENDING_GOVERNMENT


def review_queue(
    *, user, office_id: int | None = None, overdue_only: bool = False
) -> QuerySet[Filing]:
    """Filings waiting for government in the user's scope, most urgent first: enterprises on
    the green channel, then seed 004's priorities (the stored priority score), then the
    oldest submission."""
    qs = filing_list(user=user).filter(status__in=QUEUE_STATES)
    if office_id is not None:
        through = Filing.routed_offices.through
        qs = qs.filter(
            Exists(through.objects.filter(filing_id=OuterRef("pk"), office_id=office_id))
        )
    if overdue_only:
        qs = qs.filter(stage_due__lt=timezone.localdate())
    # An enterprise on the green channel (绿色通道) comes first, then seed 004's priorities.
    return qs.annotate(green=green_first()).order_by("-green", "-priority", "submitted_at", "pk")


def inspector_choices(filing: Filing) -> QuerySet:
    """Who may be sent to inspect ``filing`` on site: the members of the offices it is routed
    to, the people assigned to the enterprise and the chief of the grid it is registered in
    (the grid supervision group, seed 004). Each of them is an inspector to
    ``workflow.actor_kinds`` and sees the filing in their data scope. The schedule form offers
    only these, so it never names anybody else."""
    routed = User.objects.filter(
        memberships__is_active=True,
        memberships__role__in=[Role.REVIEWER, Role.PARK_OPERATOR],
        memberships__office__in=filing.routed_offices.all(),
    )
    assigned = User.objects.filter(assignments__enterprise=filing.enterprise_id)
    grid_chiefs = User.objects.filter(
        workflow.grid_chiefs_of(filing.enterprise, prefix="memberships__"),
        memberships__is_active=True,
    )
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=routed.values("pk"))
            | Q(pk__in=assigned.values("pk"))
            | Q(pk__in=grid_chiefs.values("pk"))
        )
        .order_by("username")
    )


def filing_events(filing: Filing) -> QuerySet[FilingEvent]:
    return filing.events.select_related("actor", "office").order_by("at", "pk")


def filing_versions(filing: Filing) -> QuerySet[FilingVersion]:
    return filing.versions.order_by("-number")


def filing_attachments(filing: Filing) -> QuerySet[FilingAttachment]:
    return filing.attachments.order_by("kind", "pk")


def is_overdue(filing: Filing) -> bool:
    return bool(
        filing.stage_due
        and filing.status in QUEUE_STATES
        and filing.stage_due < timezone.localdate()
    )
