"""The lists of requests each role works from, in the reader's data scope: the dispatcher's
queue, a department's inbox, the overdue list, the enterprise's own. The queues put the
enterprises on the green channel (绿色通道) first."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.selectors import active_memberships
from fugong.cases.choices import WITH_DEPARTMENT, ExtensionStatus, Status
from fugong.cases.models import Case, Extension
from fugong.core.scope import scoped
from fugong.enterprises.models import green_first

LIST_RELATED = ("enterprise", "category", "lead_office")
# What a list row shows: reading only these keeps the sort of a long queue narrow.
LIST_FIELDS = (
    "number", "title", "status", "urgency", "due", "created_at", "enterprise__name",
    "category__name", "lead_office__name",
)  # fmt: skip


def case_list(user):
    return scoped(Case.objects.select_related(*LIST_RELATED), user)


def is_dispatcher(user) -> bool:
    return any(m.role == Role.COMMAND for m in active_memberships(user))


def office_ids(user) -> list[int]:
    return [
        m.office_id
        for m in active_memberships(user)
        if m.role in (Role.DEPARTMENT, Role.REVIEWER) and m.office_id
    ]


def dispatch_queue(user):
    """Requests waiting for dispatch (new or returned) that the user's command office may
    dispatch: the green channel first, then the urgent, then the oldest."""
    if not is_dispatcher(user):
        return Case.objects.none()
    return (
        case_list(user)
        .filter(status__in=[Status.SUBMITTED, Status.RETURNED])
        .annotate(green=green_first())
        .order_by("-green", "-urgency", "created_at", "id")
    )


def inbox(user):
    """A department's requests: dispatched to one of its offices and not yet replied,
    the nearest reply date first."""
    ids = office_ids(user)
    if not ids:
        return Case.objects.none()
    return (
        case_list(user)
        .filter(status__in=WITH_DEPARTMENT)
        .filter(  # one of its offices handles it: EXISTS, not a join that needs DISTINCT
            Exists(Case.offices.through.objects.filter(case_id=OuterRef("pk"), office_id__in=ids))
        )
        .annotate(green=green_first())
        .order_by("-green", "due", "id")
    )


def overdue(user):
    """Requests past their reply date and still with a department."""
    return (
        case_list(user)
        .filter(status__in=WITH_DEPARTMENT, due__lt=timezone.localdate())
        .order_by("due", "id")
    )


def extensions_waiting(user):
    if not is_dispatcher(user):
        return Extension.objects.none()
    return (
        scoped(Extension.objects.select_related("case", "office"), user)
        .filter(status=ExtensionStatus.PENDING)
        .order_by("asked_at")
    )


def to_rate(user):
    """Replies waiting for the enterprise's rating."""
    return case_list(user).filter(status=Status.REPLIED).order_by("replied_at")
