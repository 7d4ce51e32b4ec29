"""Data scope: the one helper every selector uses to filter what a user may see.

A user's memberships grant a scope (accounts.models.Membership.grant). A model says how each
kind of grant reaches its rows by declaring ``scope_rules = ScopeRules(...)``; ``scoped()``
then turns the user's grants into one filter. A model without rules is visible to platform
administrators only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Model, Q, QuerySet

from fugong.core import registry


@dataclass(frozen=True)
class ScopeRules:
    """Lookups from a model to the things a grant names. Empty means "this grant does not
    reach this model". ``many`` lists the lookups that cross a multi-valued relation; those
    are applied through a sub-query so the result never has duplicate rows."""

    jurisdiction_path: str = ""  # lookup of a Jurisdiction.path, e.g. "jurisdiction__path"
    office: str = ""  # lookup of an Office id the row is routed to
    assigned_user: str = ""  # lookup of a User id the row is assigned to
    enterprise: str = ""  # lookup of an Enterprise id
    park_operator: str = ""  # lookup of the Office id that operates the row's park
    user: str = ""  # lookup of the User the row belongs to (own records)
    many: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class DataScope:
    """What one user may see, gathered from all their active memberships."""

    user_id: int | None
    everything: bool = False
    jurisdiction_paths: tuple[str, ...] = ()
    office_ids: tuple[int, ...] = ()
    assigned: bool = False
    enterprise_ids: tuple[int, ...] = ()
    park_office_ids: tuple[int, ...] = ()
    own_records: bool = False

    @property
    def is_empty(self) -> bool:
        return not (
            self.everything
            or self.jurisdiction_paths
            or self.office_ids
            or self.assigned
            or self.enterprise_ids
            or self.park_office_ids
            or self.own_records
        )


NOTHING = DataScope(user_id=None)


def get_scope(user) -> DataScope:
    """The user's data scope, computed once per user object (i.e. once per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    cached = getattr(user, "_fugong_scope", None)
    if cached is None:
        cached = registry.hook("build_scope")(user)
        user._fugong_scope = cached
    return cached


def subtree_q(lookup: str, path: str) -> Q:
    """Rows whose jurisdiction lies in the subtree at ``path``. Through a foreign key
    (``…jurisdiction__path``) this is ``jurisdiction_id IN (ids of the subtree)``: the small
    jurisdiction table is searched by path and the rows are found by their indexed foreign key,
    instead of joining every row to test its path."""
    if lookup == "path" or not lookup.endswith("__path"):
        return Q(**{f"{lookup}__startswith": path})
    jurisdiction = apps.get_model("accounts", "Jurisdiction")
    subtree = jurisdiction.objects.filter(path__startswith=path).values("pk")
    return Q(**{f"{lookup[: -len('__path')]}__in": subtree})


def _through(model: type[Model], lookup: str, many: bool, value_q: Q) -> Q:
    if not many:
        return value_q
    return Q(pk__in=model._default_manager.filter(value_q).values("pk"))


def scope_q(model: type[Model], scope: DataScope) -> Q | None:
    """A filter for ``model`` under ``scope``; None means no restriction."""
    if scope.everything:
        return None
    rules: ScopeRules | None = getattr(model, "scope_rules", None)
    q = Q(pk__in=[])
    if rules is None:
        return q
    parts: list[tuple[str, Q]] = []
    if rules.jurisdiction_path:
        for path in scope.jurisdiction_paths:
            parts.append((rules.jurisdiction_path, subtree_q(rules.jurisdiction_path, path)))
    if rules.office and scope.office_ids:
        parts.append((rules.office, Q(**{f"{rules.office}__in": scope.office_ids})))
    if rules.assigned_user and scope.assigned:
        parts.append((rules.assigned_user, Q(**{rules.assigned_user: scope.user_id})))
    if rules.enterprise and scope.enterprise_ids:
        parts.append((rules.enterprise, Q(**{f"{rules.enterprise}__in": scope.enterprise_ids})))
    if rules.park_operator and scope.park_office_ids:
        parts.append(
            (rules.park_operator, Q(**{f"{rules.park_operator}__in": scope.park_office_ids}))
        )
    if rules.user and scope.own_records:
        parts.append((rules.user, Q(**{rules.user: scope.user_id})))
    for lookup, part in parts:
        q |= _through(model, lookup, lookup in rules.many, part)
    return q


def scoped(queryset: QuerySet, user) -> QuerySet:
    """Filter ``queryset`` to what ``user`` may see. Every user-triggered query goes here."""
    q = scope_q(queryset.model, get_scope(user))
    return queryset if q is None else queryset.filter(q)


def can_see(user, obj: Model) -> bool:
    return scoped(type(obj)._default_manager.filter(pk=obj.pk), user).exists()
