"""The claim's state machine on the workflow engine, and who is what to a claim.

An enterprise fills in and submits a claim; the office reviewing the policy's claims (or a
command office of the issuing place or above) approves it with an amount, rejects it with a
reason or sends it back. A claim the platform computed for a benefit granted without
application (免申即享) waits as "proposed" until the office confirms it (approve) or not."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import Role
from fugong.accounts.selectors import active_memberships
from fugong.core import tree
from fugong.core.errors import Conflict
from fugong.core.workflow import Workflow, transition
from fugong.policies.choices import ClaimStatus as C

ENTERPRISE = "enterprise"  # the enterprise's own users
REVIEWER = "reviewer"  # the policy's office, or a command office over the issuing place

CLAIM_TRANSITIONS = [
    transition("submit", _("Submit"), [C.DRAFT], C.SUBMITTED, actors=[ENTERPRISE]),
    transition("approve", _("Approve"), [C.SUBMITTED], C.APPROVED, actors=[REVIEWER],
               style="success"),
    transition("confirm", _("Confirm"), [C.PROPOSED], C.APPROVED, actors=[REVIEWER],
               style="success"),
    transition("send_back", _("Send back"), [C.SUBMITTED], C.DRAFT, actors=[REVIEWER],
               needs_reason=True, style="warning"),
    transition("reject", _("Do not approve"), [C.SUBMITTED, C.PROPOSED], C.REJECTED,
               actors=[REVIEWER], needs_reason=True, style="outline-danger"),
    transition("withdraw", _("Withdraw"), [C.DRAFT, C.SUBMITTED], C.CANCELLED,
               actors=[ENTERPRISE], style="outline-secondary"),
]  # fmt: skip


def reviews(user, policy) -> bool:
    """May ``user`` review the claims of ``policy`` (and manage it)?"""
    issuer_and_above = set(tree.ancestor_paths(policy.issuer))
    for m in active_memberships(user):
        if (
            m.role == Role.PLATFORM_ADMIN
            or m.role == Role.COMMAND
            and m.jurisdiction is not None
            and m.jurisdiction.path in issuer_and_above
            or m.role in (Role.REVIEWER, Role.DEPARTMENT)
            and policy.office_id
            and m.office_id == policy.office_id
        ):
            return True
    return False


def actor_kinds(user, claim) -> set[str]:
    kinds: set[str] = set()
    for m in active_memberships(user):
        if m.role == Role.ENTERPRISE and m.enterprise_id == claim.enterprise_id:
            kinds.add(ENTERPRISE)
    if reviews(user, claim.benefit.policy):
        kinds.add(REVIEWER)
    return kinds


class ClaimWorkflow(Workflow):
    def lock(self, obj):
        from fugong.policies.models import Claim

        return (
            Claim.objects.select_for_update(of=("self",))
            .select_related("benefit__policy__issuer", "enterprise")
            .get(pk=obj.pk)
        )

    def stale(self, obj):
        return Conflict(
            gettext(
                "Someone else changed this claim while you had it open (it is now "
                "“%(status)s”). Reload the page; what you typed is still in the form."
            )
            % {"status": obj.get_status_display()}
        )


CLAIMS = ClaimWorkflow(
    "policies.claim",
    CLAIM_TRANSITIONS,
    roles=actor_kinds,
    due_field="due",
    # The office answers a submitted claim within 10 working days (no seed names a time;
    # the catalog's settings may change it later).
    due_days=lambda claim, target: 10 if target in (C.SUBMITTED, C.PROPOSED) else None,
    step_model="policies.ClaimStep",
    step_subject="claim",
)
