from __future__ import annotations

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from fugong.accounts.models import Jurisdiction
from fugong.core.ids import parse_id
from fugong.core.scope import get_scope, scoped, subtree_q
from fugong.enterprises.models import Enterprise


def enterprise_list(*, user, jurisdiction=None) -> QuerySet[Enterprise]:
    """The enterprises the user may see (narrowed to a jurisdiction's subtree if given), by
    name. The list page, export and API narrow it further with EnterpriseFilter."""
    qs = scoped(Enterprise.objects.all(), user).select_related("jurisdiction", "park", "industry")
    if jurisdiction is not None:
        qs = qs.filter(subtree_q("jurisdiction__path", jurisdiction.path))
    return qs.order_by("name", "id")


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
    matches). Sorting by the lower-cased name (the same order for Chinese names) leaves the
    index out. Platform-wide lists keep the index, which is what serves them best."""
    ordering = list(qs.query.order_by)
    if not ordering or ordering[0] not in ("name", "-name"):
        return qs
    by_name = Lower("name").desc() if ordering[0] == "-name" else Lower("name").asc()
    return qs.order_by(by_name, *ordering[1:])


ASSIGNABLE_ROLES = ("cadre", "command", "reviewer", "department")


def assignable_people(*, user) -> QuerySet:
    """People the user may assign to enterprises: cadres, leaders and office staff whose place
    (membership jurisdiction or office) lies in the user's jurisdictions."""
    from fugong.accounts.models import Membership, User
    from fugong.core.scope import get_scope

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
    from fugong.enterprises.models import Assignment

    return Assignment.objects.filter(
        enterprise=enterprise_get(user=user, pk=enterprise.pk)
    ).select_related("user")
