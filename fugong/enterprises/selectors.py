from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import CharField, F, Func, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.http import Http404

from fugong.accounts.models import Jurisdiction, Membership, User
from fugong.core.ids import parse_id
from fugong.core.scope import DataScope, get_scope, scope_q, scoped, subtree_q
from fugong.enterprises.models import Assignment, Enterprise
from fugong.stats import tally


def enterprise_list(*, user, jurisdiction=None) -> QuerySet[Enterprise]:
    """The enterprises the user may see (narrowed to a jurisdiction's subtree if given), by
    name. The list page, export and API narrow it further with EnterpriseFilter."""
    qs = _in_scope(user).select_related("jurisdiction", "park", "industry")
    if jurisdiction is not None:
        qs = qs.filter(subtree_q("jurisdiction__path", jurisdiction.path))
    return qs.order_by("name", "id")


# More places than this (a province's grids) stay a sub-query: within SQLite's 32,766 parameters.
MAX_PLACE_IDS = 5000


def _in_scope(user) -> QuerySet[Enterprise]:
    """``scoped()``; a scope of several kinds (a grid cadre sees the grid's units and those
    assigned to them) becomes one set of ids found through each kind's own index, instead of
    an OR of sub-queries, which PostgreSQL answers by reading every row of the table."""
    scope = get_scope(user)
    kinds = [
        DataScope(user_id=scope.user_id, **{name: value})
        for name, value in (
            ("jurisdiction_paths", scope.jurisdiction_paths),
            ("office_ids", scope.office_ids),
            ("assigned", scope.assigned),
            ("enterprise_ids", scope.enterprise_ids),
            ("park_office_ids", scope.park_office_ids),
        )
        if value
    ]
    if not scope.everything and len(kinds) == 1 and scope.jurisdiction_paths:
        # Places only: their subtrees' ids written out. As a sub-query on the paths, PostgreSQL
        # cannot tell how many units the subtree holds and reads the whole table (a county's
        # filtered list of 1,000,000: 290 ms; with its 397 ids, 100 ms).
        subtree = Q()
        for path in scope.jurisdiction_paths:
            subtree |= Q(path__startswith=path)
        ids = list(
            Jurisdiction.objects.filter(subtree).values_list("pk", flat=True)[: MAX_PLACE_IDS + 1]
        )
        if len(ids) <= MAX_PLACE_IDS:
            return Enterprise.objects.filter(jurisdiction_id__in=ids)
    if scope.everything or len(kinds) < 2:
        return scoped(Enterprise.objects.all(), user)
    parts = [
        Enterprise.objects.filter(scope_q(Enterprise, kind)).order_by().values("pk")
        for kind in kinds
    ]
    return Enterprise.objects.filter(pk__in=parts[0].union(*parts[1:]))


def filter_node(pk: int | str | None) -> Jurisdiction | None:
    """The jurisdiction a list is narrowed to. It need not be in the user's scope: the list is
    scoped already, so narrowing it by any node shows nothing more, and a count on a page
    links to a list of exactly that many rows whoever looks at it."""
    pk = parse_id(pk)
    if pk is None:
        return None
    return Jurisdiction.objects.filter(pk=pk).first()


def enterprise_get(*, user, pk: int) -> Enterprise:
    obj = enterprise_list(user=user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def enterprise_filtered(*, user, data) -> tuple[QuerySet[Enterprise], object]:
    """The user's enterprises narrowed by the list filters in ``data`` (a QueryDict or dict);
    returns the queryset and the filterset (for its form and errors). Default order: name."""
    from fugong.enterprises.filters import EnterpriseFilter

    filterset = EnterpriseFilter(data=data, queryset=enterprise_list(user=user))
    qs = filterset.qs
    if not get_scope(user).everything:
        qs = _sorted_by_name_without_index(qs)
    return qs, filterset


def _sorted_by_name_without_index(qs: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """Within a jurisdiction, sort the matching rows instead of walking the name index.

    Names start with the county's or town's own name ("青溪…"), so one jurisdiction's
    enterprises sit together in the name index; PostgreSQL, expecting them spread out, walks
    the index from the start to fill a page (65 ms against 25 ms for sorting a county's
    matches). Sorting by a copy of the name (``NameCopy``: the same order) leaves the index
    out. Platform-wide lists keep the index, which is what serves them best."""
    ordering = list(qs.query.order_by)
    if not ordering or ordering[0] not in ("name", "-name"):
        return qs
    by_name = NameCopy().desc() if ordering[0] == "-name" else NameCopy().asc()
    return qs.order_by(by_name, *ordering[1:])


class NameCopy(Func):
    """``name || ''``: the name, in the name's own order (same collation), but no index's, so
    the database sorts the rows it found instead of walking the name index. Cheaper to sort
    than ``LOWER(name)`` (PostgreSQL: 65 ms against 540 ms for a county's 166,000 names)."""

    template = "(%(expressions)s || '')"
    output_field = CharField()

    def __init__(self):
        super().__init__(F("name"))


# What a row of the list page shows (its template): the rest of the row is never read.
LIST_FIELDS = (
    "id",
    "name",
    "credit_code",
    "jurisdiction__name",
    "category",
    "ledger",
    "tier",
    "is_key",
    "resumed_on",
    "employee_count",
)


@dataclass(slots=True)
class ListRow:
    """A row of the list page: its values only (50 model instances with their jurisdictions
    cost twice the CPU of reading the values)."""

    pk: int
    name: str
    credit_code: str
    jurisdiction_name: str | None
    category: str
    ledger: str
    tier: str
    is_key: bool
    resumed_on: datetime.date | None
    employee_count: int
    html: str = ""


# A list longer than this is read in name order from the name index (its rows are spread
# through it, so a page is found after a few thousand entries); a shorter one is sorted. So
# are the pages after the first WALK_NAME_INDEX_UP_TO rows: the walk reads every name before
# them (a county's page 200 in a million: 794,000 entries, 580 ms; sorted, 70 ms).
WALK_NAME_INDEX_FROM = 20_000
WALK_NAME_INDEX_UP_TO = 1_000


def enterprise_page(
    qs: QuerySet[Enterprise], start: int, stop: int, *, total: int
) -> list[ListRow]:
    """Rows ``start:stop`` of the list ``qs`` (``total`` rows long) as ``ListRow``, in two
    steps: the ids of the page alone (from the (jurisdiction, name, id) index, without
    joining or reading the rows they skip), then those rows with what the page shows."""
    ordering = list(qs.query.order_by)
    if (
        total > WALK_NAME_INDEX_FROM
        and start < WALK_NAME_INDEX_UP_TO
        and ordering
        and isinstance(ordering[0], OrderBy)
        and isinstance(ordering[0].expression, NameCopy)
    ):
        # A county of 166,000 sorted by name takes 70 ms; the (name, id, jurisdiction)
        # index gives its first pages in about a millisecond.
        by_name = "-name" if ordering[0].descending else "name"
        qs = qs.order_by(by_name, *ordering[1:])
    ids = list(qs.values_list("pk", flat=True)[start:stop])
    if not ids:
        return []
    rows = Enterprise.objects.filter(pk__in=ids).values_list(*LIST_FIELDS)
    by_id = {row[0]: ListRow(*row) for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


# The list filters the statistics tally can answer (fugong.stats.tally keeps the units by
# place, category, industry section, ledger and resumption day); page and sort change no count.
TALLY_FILTERS = frozenset(
    {"category", "ledger", "status", "as_of", "resumed_day", "section", "xsection", "jurisdiction"}
)


def enterprise_count(*, user, filterset, queryset: QuerySet[Enterprise]) -> int:
    """How many enterprises the filtered list holds, exactly. Whole jurisdictions narrowed by
    the filters the tally keeps are summed from the tally (a few hundred rows whatever the
    number of units); any other list is counted from the indexes."""
    counted = _count_from_tally(user, filterset)
    return queryset.count() if counted is None else counted


def _filled(value) -> bool:
    return value not in (None, "", [], ())


def _count_from_tally(user, filterset) -> int | None:
    """The count from the tally, or None when the tally cannot tell it."""
    if not filterset.is_valid():
        return None
    data = {k: v for k, v in filterset.form.cleaned_data.items() if _filled(v) and k != "sort"}
    if set(data) - TALLY_FILTERS:
        return None
    nodes = _tally_nodes(user, data)
    if nodes is None:
        return None
    if not nodes:
        return 0
    # One sum over the tally rows of these places (raw SQL: the tally has no model).
    where = ["jurisdiction_id IN (%s)" % ", ".join(["%s"] * len(nodes))]  # noqa: UP031
    params: list = [node.pk for node in nodes]

    def among(column: str, values, negate: bool = False) -> None:
        values = list(values)
        marks = ", ".join(["%s"] * len(values))
        where.append(f"{column} {'NOT IN' if negate else 'IN'} ({marks})")
        params.extend(values)

    if data.get("category"):
        among("category", data["category"])
    if data.get("ledger"):
        among("ledger", [data["ledger"]])
    if data.get("section"):
        among("section", data["section"])
    if data.get("xsection"):
        among("section", data["xsection"], negate=True)
    if data.get("resumed_day"):
        where.append("resumed_on = %s")
        params.append(data["resumed_day"])
    as_of = data.get("as_of")
    if data.get("status") == "resumed":
        where.append("resumed_on IS NOT NULL" + (" AND resumed_on <= %s" if as_of else ""))
        params += [as_of] if as_of else []
    elif data.get("status") == "not_resumed":
        where.append("(resumed_on IS NULL" + (" OR resumed_on > %s)" if as_of else ")"))
        params += [as_of] if as_of else []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CAST(COALESCE(SUM(units), 0) AS BIGINT) FROM {tally.TABLE} "  # noqa: S608
            f"WHERE {' AND '.join(where)}",
            params,
        )
        return cursor.fetchone()[0]


def _tally_nodes(user, data: dict) -> list[Jurisdiction] | None:
    """The tallied jurisdictions whose subtrees together are exactly what the user may see
    under the chosen node; None when there are none such (a scope by office, assignment or
    enterprise, or a place deeper than the tally keeps)."""
    scope = get_scope(user)
    if not scope.everything and (
        not scope.jurisdiction_paths
        or scope.office_ids
        or scope.assigned
        or scope.enterprise_ids
        or scope.park_office_ids
    ):
        return None
    node = None
    if "jurisdiction" in data:
        node = filter_node(data["jurisdiction"])
        if node is None:
            return []
    if scope.everything:
        if node is not None:
            nodes = [node]
        else:
            top = min(tally.TALLY_DEPTHS)
            above = list(Jurisdiction.objects.filter(depth__lt=top).values_list("pk", flat=True))
            if Enterprise.objects.filter(jurisdiction_id__in=above).exists():
                return None  # units placed above the tallied nodes
            nodes = list(Jurisdiction.objects.filter(depth=top))
    else:
        paths = sorted(scope.jurisdiction_paths)
        # The outermost places only: a town inside a county the user also sees counts once.
        paths = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
        if node is not None and any(node.path.startswith(p) for p in paths):
            nodes = [node]
        else:
            if node is not None:
                paths = [p for p in paths if p.startswith(node.path)]
            nodes = list(Jurisdiction.objects.filter(path__in=paths))
            if len(nodes) != len(paths):
                return None
    if any(n.depth not in tally.TALLY_DEPTHS for n in nodes):
        return None
    return nodes


ASSIGNABLE_ROLES = ("cadre", "command", "reviewer", "department")


def assignable_people(*, user) -> QuerySet:
    """People the user may assign to enterprises: cadres, leaders and office staff whose place
    (membership jurisdiction or office) lies in the user's jurisdictions."""
    scope = get_scope(user)
    memberships = Membership.objects.filter(role__in=ASSIGNABLE_ROLES, is_active=True)
    if not scope.everything:
        place = Q(pk__in=[])
        for path in scope.jurisdiction_paths:
            place |= Q(jurisdiction__path__startswith=path) | Q(
                office__jurisdiction__path__startswith=path
            )
        memberships = memberships.filter(place)
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by(
        "username"
    )


def enterprise_assignments(*, user, enterprise: Enterprise) -> QuerySet:
    return Assignment.objects.filter(
        enterprise=enterprise_get(user=user, pk=enterprise.pk)
    ).select_related("user")
