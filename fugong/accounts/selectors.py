"""Reads about users, memberships and the jurisdiction tree; always scoped."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from fugong.accounts.choices import Role
from fugong.accounts.models import ApiToken, Jurisdiction, LoginLog, Membership, Office, User
from fugong.core.scope import DataScope, scoped

# The order in which a user's roles pick their home page when they hold several.
ROLE_PRIORITY = [
    Role.PLATFORM_ADMIN,
    Role.COMMAND,
    Role.REVIEWER,
    Role.DEPARTMENT,
    Role.CADRE,
    Role.PARK_OPERATOR,
    Role.ENTERPRISE,
    Role.EMPLOYEE,
]


def active_memberships(user: User) -> list[Membership]:
    cached = getattr(user, "_fugong_memberships", None)
    if cached is None:
        cached = list(
            user.memberships.filter(is_active=True).select_related(
                "jurisdiction", "office", "enterprise"
            )
        )
        user._fugong_memberships = cached
    return cached


def with_memberships(users: list[User]) -> list[User]:
    """Load the active memberships of many users in one query, as ``active_memberships``
    would one by one (their data scope then costs no query)."""
    by_user: dict[int, list[Membership]] = {u.pk: [] for u in users}
    for m in Membership.objects.filter(user_id__in=list(by_user), is_active=True).select_related(
        "jurisdiction", "office", "enterprise"
    ):
        by_user[m.user_id].append(m)
    for u in users:
        u._fugong_memberships = by_user[u.pk]
    return users


def build_scope(user: User) -> DataScope:
    memberships = active_memberships(user)
    if user.is_superuser or any(m.role == Role.PLATFORM_ADMIN for m in memberships):
        return DataScope(user_id=user.pk, everything=True)
    paths: set[str] = set()
    offices: set[int] = set()
    enterprises: set[int] = set()
    park_offices: set[int] = set()
    assigned = False
    own = True  # everyone sees their own records (profile, login log)
    for m in memberships:
        if m.role == Role.COMMAND and m.jurisdiction:
            paths.add(m.jurisdiction.path)
        elif m.role in (Role.REVIEWER, Role.DEPARTMENT) and m.office_id:
            offices.add(m.office_id)
        elif m.role == Role.CADRE:
            assigned = True
            if m.jurisdiction:
                paths.add(m.jurisdiction.path)
        elif m.role == Role.ENTERPRISE and m.enterprise_id:
            enterprises.add(m.enterprise_id)
        elif m.role == Role.PARK_OPERATOR and m.office_id:
            park_offices.add(m.office_id)
    # A path inside another granted path adds nothing.
    kept = tuple(sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths)))
    return DataScope(
        user_id=user.pk,
        jurisdiction_paths=kept,
        office_ids=tuple(sorted(offices)),
        assigned=assigned,
        enterprise_ids=tuple(sorted(enterprises)),
        park_office_ids=tuple(sorted(park_offices)),
        own_records=own,
    )


def primary_role(user: User) -> str | None:
    if user.is_superuser:
        return Role.PLATFORM_ADMIN
    roles = {m.role for m in active_memberships(user)}
    primary = [m.role for m in active_memberships(user) if m.is_primary]
    for role in ROLE_PRIORITY:
        if role in primary:
            return role
    for role in ROLE_PRIORITY:
        if role in roles:
            return role
    return None


def user_roles(user: User) -> set[str]:
    roles = {m.role for m in active_memberships(user)}
    if user.is_superuser:
        roles.add(Role.PLATFORM_ADMIN)
    return roles


def jurisdiction_list(*, user: User, parent: Jurisdiction | None = None) -> QuerySet[Jurisdiction]:
    qs = scoped(Jurisdiction.objects.filter(is_active=True), user)
    if parent is not None:
        qs = qs.filter(parent=parent)
    return qs.select_related("parent")


def command_jurisdictions(user: User) -> list[Jurisdiction]:
    """The jurisdictions whose command office the user belongs to (what they may set up)."""
    return [
        m.jurisdiction
        for m in active_memberships(user)
        if m.role == Role.COMMAND and m.jurisdiction
    ]


def jurisdiction_roots(*, user: User) -> list[Jurisdiction]:
    """The topmost nodes the user may see (their own jurisdictions)."""
    nodes = list(jurisdiction_list(user=user).order_by("depth", "path"))
    paths = [n.path for n in nodes]
    return [n for n in nodes if not any(n.path != p and n.path.startswith(p) for p in paths)]


def office_list(*, user: User) -> QuerySet[Office]:
    return scoped(Office.objects.filter(is_active=True), user).select_related("jurisdiction")


def login_log_list(*, user: User) -> QuerySet[LoginLog]:
    return scoped(LoginLog.objects.all(), user)


def home_place(user: User) -> Jurisdiction | Office | None:
    for m in active_memberships(user):
        if m.role == primary_role(user):
            return m.office or m.enterprise or m.jurisdiction
    return None


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's own API tokens; a platform admin's list holds everyone's."""
    return scoped(ApiToken.objects.all(), user).select_related("user")


def api_token_get(*, user: User, pk: int) -> ApiToken:
    token = api_token_list(user=user).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token


def sees_personal_data(user: User, *, enterprise_id: int | None) -> bool:
    """Whether the user needs the phone and ID numbers an enterprise typed into its own
    records (its filing's leading group): its own users and platform admins do; reviewers,
    command offices and cadres see them masked."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    for m in active_memberships(user):
        if m.role == Role.PLATFORM_ADMIN:
            return True
        if m.role == Role.ENTERPRISE and enterprise_id and m.enterprise_id == enterprise_id:
            return True
    return False


def member_ids(q: Q) -> list[int]:
    """The users of the active memberships matching ``q``, once each (who an event tells)."""
    return list(
        Membership.objects.filter(q, is_active=True).values_list("user_id", flat=True).distinct()
    )


def enterprise_user_ids(enterprise_id: int | None) -> list[int]:
    """The enterprise's own users."""
    return member_ids(Q(role=Role.ENTERPRISE, enterprise_id=enterprise_id))


def office_ids(user: User) -> list[int]:
    """The offices the user works in as a department or reviewer (requests, inspections)."""
    return [
        m.office_id
        for m in active_memberships(user)
        if m.role in (Role.DEPARTMENT, Role.REVIEWER) and m.office_id
    ]


def is_command(user: User) -> bool:
    """Is the user a member of a command office (指挥部)?"""
    return any(m.role == Role.COMMAND for m in active_memberships(user))
