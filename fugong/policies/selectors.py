"""What each reader sees of policies, matches, claims and payments, always in their data scope.

Published policies are public (a page without login lists them). A draft or withdrawn policy
is seen by the offices that may manage it (``workflow.reviews``) and those whose scope covers
the issuing place. An enterprise sees its own matches, claims and payments only."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum

from fugong.accounts.choices import Role
from fugong.accounts.selectors import active_memberships
from fugong.core.scope import get_scope, scoped
from fugong.policies.choices import ClaimStatus, PolicyStatus
from fugong.policies.models import Benefit, Claim, Match, Payment, Policy


def public_policies() -> QuerySet[Policy]:
    return (
        Policy.objects.filter(status=PolicyStatus.PUBLISHED)
        .select_related("issuer", "office")
        .annotate(benefit_count=Count("benefits"))
        .order_by("-issued_on", "-id")
    )


def policy_list(user) -> QuerySet[Policy]:
    """Published policies, and the others in the user's scope (government users)."""
    mine = scoped(Policy.objects.all(), user).values("pk") if is_government(user) else None
    q = Q(status=PolicyStatus.PUBLISHED)
    if mine is not None:
        q |= Q(pk__in=mine)
    return (
        Policy.objects.filter(q)
        .select_related("issuer", "office")
        .annotate(benefit_count=Count("benefits"))
        .order_by("-issued_on", "-id")
    )


GOVERNMENT = frozenset(
    {Role.PLATFORM_ADMIN, Role.COMMAND, Role.REVIEWER, Role.DEPARTMENT, Role.CADRE}
)


def is_government(user) -> bool:
    """A government user (not an enterprise, an employee or a park operator)."""
    return any(m.role in GOVERNMENT for m in active_memberships(user))


def enterprise_ids(user) -> list[int]:
    return [
        m.enterprise_id
        for m in active_memberships(user)
        if m.role == Role.ENTERPRISE and m.enterprise_id
    ]


def benefits_of(policy: Policy) -> QuerySet[Benefit]:
    return policy.benefits.order_by("position")


def eligible(user, benefit: Benefit) -> QuerySet[Match]:
    """The enterprises eligible for ``benefit`` that the user sees, largest amount first
    (the index ``match_once`` starts with the benefit)."""
    return (
        scoped(Match.objects.filter(benefit=benefit), user)
        .select_related("enterprise__jurisdiction")
        .order_by("-amount", "enterprise_id")
    )


def eligible_totals(user, benefit: Benefit) -> dict:
    return scoped(Match.objects.filter(benefit=benefit), user).aggregate(
        n=Count("pk"), amount=Sum("amount")
    )


def matches_of(enterprise_id: int) -> QuerySet[Match]:
    """The benefits in force an enterprise is eligible for (its own page)."""
    return (
        Match.objects.filter(
            enterprise_id=enterprise_id, benefit__policy__status=PolicyStatus.PUBLISHED
        )
        .select_related("benefit__policy")
        .order_by("-benefit__policy__issued_on", "benefit__position")
    )


def claim_list(user) -> QuerySet[Claim]:
    qs = scoped(Claim.objects.select_related("benefit__policy", "enterprise"), user)
    # A claim being filled in is the enterprise's own until it is submitted.
    qs = qs.exclude(Q(status=ClaimStatus.DRAFT) & ~Q(enterprise_id__in=enterprise_ids(user)))
    return qs.annotate(paid=Sum("payments__amount")).order_by("-created_at", "-id")


def claims_to_review(user) -> QuerySet[Claim]:
    """Submitted and proposed claims of the policies the user reviews, oldest due first."""
    from fugong.policies.workflow import reviews

    qs = scoped(Claim.objects.select_related("benefit__policy", "enterprise"), user).filter(
        status__in=[ClaimStatus.SUBMITTED, ClaimStatus.PROPOSED]
    )
    policies = [
        p
        for p in Policy.objects.filter(pk__in=qs.values("benefit__policy")).select_related("issuer")
        if reviews(user, p)
    ]
    return qs.filter(benefit__policy__in=policies).order_by("due", "pk")


def payment_list(user) -> QuerySet[Payment]:
    return scoped(
        Payment.objects.select_related("claim__benefit__policy", "claim__enterprise", "reverses"),
        user,
    )


def enterprise_only(user) -> bool:
    scope = get_scope(user)
    return bool(scope.enterprise_ids) and not (
        scope.everything or scope.jurisdiction_paths or scope.office_ids or scope.assigned
    )
