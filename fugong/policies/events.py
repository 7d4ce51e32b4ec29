"""What policies tell people (issue 12's engine): an enterprise is told of each benefit newly
open to it (政策找企业), the reviewing office of a claim submitted, the enterprise of the
decision on its claim and of each payment."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.accounts.selectors import enterprise_user_ids, member_ids
from fugong.core import tree
from fugong.core.registry import EventKind

ELIGIBLE = "policies.eligible"
PAID = "policies.paid"


def enterprise_users(obj) -> list[int]:
    return enterprise_user_ids(obj.enterprise_id)


def reviewers(claim) -> list[int]:
    policy = claim.benefit.policy
    q = Q(role=Role.COMMAND, jurisdiction__path__in=tree.ancestor_paths(policy.issuer))
    if policy.office_id:
        q |= Q(role__in=[Role.REVIEWER, Role.DEPARTMENT], office_id=policy.office_id)
    return member_ids(q)


def _claim(obj):
    return getattr(obj, "claim", obj)


def params(obj, step: dict | None = None) -> dict:
    claim = _claim(obj)
    benefit = obj.benefit if hasattr(obj, "benefit") else claim.benefit
    out = {
        "enterprise": obj.enterprise.name if hasattr(obj, "enterprise") else claim.enterprise.name,
        "policy": str(benefit.policy),
        "benefit": benefit.title,
        "reason": ((step or {}).get("reason") or "")[:100],
        "status": "",
        "amount": "",
    }
    if hasattr(obj, "status"):
        out["status"] = obj.status  # named in the reader's language by the title
    amount = getattr(obj, "amount", None)
    if amount is not None:
        out["amount"] = f"{amount:,.2f}"
    return out


def _status(value: str) -> str:
    from fugong.policies.choices import ClaimStatus

    return str(ClaimStatus(value).label) if value in ClaimStatus.values else value


def tell_eligible(pairs: list[tuple[int, int]]) -> int:
    """Raise one event per (benefit, enterprise) newly matched, for enterprises that have
    users (nobody to tell otherwise); each pair at most once ever."""
    from fugong.notifications.services import event_raise
    from fugong.policies.models import Match

    with_users = set(
        Membership.objects.filter(role=Role.ENTERPRISE, is_active=True)
        .exclude(enterprise_id=None)
        .values_list("enterprise_id", flat=True)
    )
    wanted = [(b, e) for b, e in pairs if e in with_users]
    told = 0
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        q = Q()
        for b, e in chunk:
            q |= Q(benefit_id=b, enterprise_id=e)
        for match in Match.objects.filter(q).select_related("benefit__policy", "enterprise"):
            event = event_raise(
                kind=ELIGIBLE,
                subject=match,
                params=params(match),
                dedup_key=f"{ELIGIBLE}:{match.benefit_id}:{match.enterprise_id}",
            )
            told += event is not None
    return told


def _claim_url(obj) -> str:
    return reverse("policies:claim", args=[_claim(obj).pk])


KINDS = [
    EventKind(
        code=ELIGIBLE,
        label=gettext_lazy("A policy benefit is open to your enterprise"),
        recipients=enterprise_users,
        title=lambda p: _("%(policy)s: “%(benefit)s” is open to you.") % p,
        url=lambda m: reverse("policies:benefit", args=[m.benefit_id]),
        params=params,
    ),
    EventKind(
        code="policies.submitted",
        label=gettext_lazy("A claim to a benefit waits for review"),
        recipients=reviewers,
        title=lambda p: _("%(enterprise)s claims “%(benefit)s”: review it.") % p,
        url=_claim_url,
        params=params,
        workflow="policies.claim",
        actions=frozenset({"submit"}),
    ),
    EventKind(
        code="policies.decided",
        label=gettext_lazy("Your claim to a benefit was decided"),
        recipients=enterprise_users,
        title=lambda p: (
            _("Your claim to “%(benefit)s”: %(status)s %(reason)s")
            % {**p, "status": _status(p.get("status", ""))}
        ),
        url=_claim_url,
        params=params,
        workflow="policies.claim",
        actions=frozenset({"approve", "confirm", "reject", "send_back"}),
        mandatory=True,
    ),
    EventKind(
        code=PAID,
        label=gettext_lazy("A benefit was paid to you"),
        recipients=lambda payment: enterprise_users(payment.claim),
        title=lambda p: _("“%(benefit)s”: %(amount)s yuan paid.") % p,
        url=_claim_url,
        params=params,
    ),
]
