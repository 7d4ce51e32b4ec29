"""The lists of requests each role works from, in the reader's data scope: the dispatcher's
queue, a department's inbox, the overdue list, the enterprise's own. The queues put the
enterprises on the green channel (绿色通道) first.

The pages read them a page at a time through ``Queue``: with 200,000 requests a department
has some 12,000 open, and sorting them all for every page (the green channel first) cost
most of a second; ``Queue`` reads the green channel's few requests apart and the others in
the order of an index, one status at a time, merged by the database."""

from __future__ import annotations

import dataclasses

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.selectors import active_memberships, office_ids
from fugong.cases.choices import WITH_DEPARTMENT, ExtensionStatus, Status
from fugong.cases.models import Case, Extension
from fugong.core.scope import get_scope, scope_q, scoped
from fugong.enterprises.models import GreenChannel, green_first

LIST_RELATED = ("enterprise", "category", "lead_office")
# What a list row shows: reading only these keeps the sort of a long queue narrow.
LIST_FIELDS = (
    "number", "title", "status", "urgency", "due", "created_at", "enterprise__name",
    "category__name", "lead_office__name",
)  # fmt: skip


def _handled_by(office_ids) -> Exists:
    """One of these offices handles the request (lead or co-handling)."""
    return Exists(
        Case.offices.through.objects.filter(case_id=OuterRef("pk"), office_id__in=office_ids)
    )


def scoped_cases(queryset, user):
    """``scoped(queryset, user)`` with the departments' part of the scope written as EXISTS
    on the request's offices: the same rows, but the generic form (``pk IN`` the requests
    joined to their offices) made SQLite walk every request a department ever had (80,000
    for the HR bureau with 200,000 requests) before the status was looked at."""
    scope = get_scope(user)
    if scope.everything or not scope.office_ids:
        return scoped(queryset, user)
    others = scope_q(Case, dataclasses.replace(scope, office_ids=()))
    return queryset.filter(others | Q(_handled_by(scope.office_ids)))


def case_list(user):
    return scoped_cases(Case.objects.select_related(*LIST_RELATED), user)


def is_dispatcher(user) -> bool:
    return any(m.role == Role.COMMAND for m in active_memberships(user))


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


def _inbox_rows(user, ids):
    """The requests one of the offices ``ids`` handles, in the user's scope."""
    qs = Case.objects.select_related(*LIST_RELATED)
    scope = get_scope(user)
    if not (scope.everything or set(ids) <= set(scope.office_ids)):
        # Never so today (a department's offices are its scope's): the scope then applies.
        qs = scoped_cases(qs, user)
    # Else a request one of the user's offices handles is in the user's scope already, and
    # the scope's own filter would only test the same offices a second time.
    return qs.filter(_handled_by(ids))  # EXISTS, not a join that needs DISTINCT


def inbox(user):
    """A department's requests: dispatched to one of its offices and not yet replied,
    the nearest reply date first."""
    ids = office_ids(user)
    if not ids:
        return Case.objects.none()
    return (
        _inbox_rows(user, ids)
        .filter(status__in=WITH_DEPARTMENT)
        .annotate(green=green_first())
        .order_by("-green", "due", "id")
    )


def overdue(user):
    """Requests past their reply date and still with a department, the green channel's
    first (priority in every list of work, issue 14 point 8), then the longest overdue."""
    return (
        case_list(user)
        .filter(status__in=WITH_DEPARTMENT, due__lt=timezone.localdate())
        .annotate(green=green_first())
        .order_by("-green", "due", "id")
    )


# ---------------------------------------------------------------------------- pages


def _reverse(order):
    return [f[1:] if f.startswith("-") else f"-{f}" for f in order]


class Queue:
    """A list of requests for a ``Paginator``, read a page at a time: the requests of the
    enterprises on the green channel first (if ``green_first``), then the others, each part
    in ``order`` (ending with the id). The green channel's part is a short query of its own;
    the others are read one status at a time in the order of an index on (status, *order),
    merged by the database (UNION ALL ... ORDER BY ... LIMIT), and past the middle from the
    end, so that a page reads about as many index entries as it shows (at most half the
    list) instead of sorting every open request. The rows carry ``green``, as the
    querysets' annotation does; the count is exact."""

    def __init__(self, rows, *, statuses, order, green_first: bool = True):
        self.rows = rows  # a QuerySet of Case: the filters and the scope, no status filter
        self.statuses = tuple(sorted(statuses))
        self.order = tuple(order)
        self.green_first = green_first
        self._count: int | None = None
        self._green_ids: list[int] | None = None

    def filter(self, *args, status: str | None = None, **kwargs) -> Queue:
        statuses = [s for s in self.statuses if status is None or s == status]
        return Queue(
            self.rows.filter(*args, **kwargs),
            statuses=statuses,
            order=self.order,
            green_first=self.green_first,
        )

    def _all(self):
        return self.rows.filter(status__in=self.statuses).order_by()

    def count(self) -> int:
        if self._count is None:
            self._count = self._all().count() if self.statuses else 0
        return self._count

    def _green(self) -> list[int]:
        """The enterprises on the green channel (a handful in a county)."""
        if self._green_ids is None:
            self._green_ids = list(
                GreenChannel.objects.filter(is_active=True).values_list("enterprise_id", flat=True)
            )
        return self._green_ids

    def _ids(self, base, start: int, stop: int, total: int, *, merge: bool = True) -> list[int]:
        """The ids of rows ``start:stop`` of the ``total`` of ``base`` (no status filter) in
        the queue's statuses and ``order``: with ``merge`` one status at a time, each read in
        index order, merged, and past the middle read from the end; else sorted (a few
        rows). A part's status is its only status condition: with the list's ``IN`` beside
        it PostgreSQL counted each condition apart, thought a status had a sixth of its rows,
        and hashed all of the department's 75,000 requests instead of reading the index."""
        if start >= stop or not self.statuses:
            return []
        order = list(self.order)
        names = [f.lstrip("-") for f in order]
        at = names.index("id")
        if not merge:
            qs = base.filter(status__in=self.statuses)
            rows = qs.order_by(*order).values_list(*names)[start:stop]
            return [row[at] for row in rows]
        backwards = start > total - stop
        if backwards:
            order, start, stop = _reverse(order), total - stop, total - start
        parts = [base.filter(status=s).order_by().values_list(*names) for s in self.statuses]
        if len(parts) > 1 and connection.features.supports_slicing_ordering_in_compound:
            # Each part its own ORDER BY and LIMIT (PostgreSQL): else the parts are planned
            # for all their rows (a hash of the department's requests, 60 ms) and not along
            # the index with the LIMIT in view (under 1 ms). SQLite allows neither here and
            # reads along the index anyway.
            parts = [part.order_by(*order)[:stop] for part in parts]
        merged = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        ids = [row[at] for row in merged.order_by(*order)[start:stop]]
        return ids[::-1] if backwards else ids

    def __getitem__(self, index: slice) -> list[Case]:
        total = self.count()
        start, stop = index.start or 0, min(index.stop if index.stop is not None else total, total)
        green: set[int] | None = None
        base = self.rows.order_by()
        if not self.green_first:
            ids = self._ids(base, start, stop, total)
        else:
            on = self._green()
            # The green channel's few, found by their enterprises (an index on enterprise
            # and status) and sorted; along the order's index they are scattered.
            firsts_base = base.filter(enterprise_id__in=on)
            firsts = firsts_base.filter(status__in=self.statuses).count() if on else 0
            ids = self._ids(firsts_base, start, min(stop, firsts), firsts, merge=False)
            green = set(ids)
            rest = base.exclude(enterprise_id__in=on) if on else base
            ids += self._ids(rest, max(start - firsts, 0), stop - firsts, total - firsts)
        found = Case.objects.select_related(*LIST_RELATED).only(*LIST_FIELDS).in_bulk(ids)
        out = [found[i] for i in ids if i in found]
        if green is None:
            return mark_green(out)
        for c in out:
            c.green = c.pk in green
        return out


def mark_green(cases) -> list[Case]:
    """Set ``green`` on each request of ``cases`` (a page): its enterprise is on the green
    channel. One query for the page instead of a sub-query for every row sorted."""
    cases = list(cases)
    on = set(
        GreenChannel.objects.filter(
            is_active=True, enterprise_id__in={c.enterprise_id for c in cases}
        ).values_list("enterprise_id", flat=True)
    )
    for c in cases:
        c.green = c.enterprise_id in on
    return cases


def queue_pages(user) -> Queue:
    return Queue(
        rows=case_list(user) if is_dispatcher(user) else Case.objects.none(),
        statuses=tuple(sorted([Status.SUBMITTED, Status.RETURNED])),
        order=("-urgency", "created_at", "id"),
    )


def inbox_pages(user) -> Queue:
    ids = office_ids(user)
    rows = _inbox_rows(user, ids) if ids else Case.objects.none()
    return Queue(rows=rows, statuses=tuple(sorted(WITH_DEPARTMENT)), order=("due", "id"))


def overdue_pages(user) -> Queue:
    return Queue(
        rows=case_list(user).filter(due__lt=timezone.localdate()),
        statuses=tuple(sorted(WITH_DEPARTMENT)),
        order=("due", "id"),
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
