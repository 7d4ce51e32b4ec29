"""Registers the figures of policies with the statistics layer (issue 16 point 5): the
disbursement ledger (enterprises benefited, amount paid net of reversals, by policy, place
and category) and the claims approved and waiting (definitions: ``fugong.stats.policies``)."""


def register() -> None:
    from fugong.policies.choices import ClaimStatus
    from fugong.policies.models import Claim, Payment
    from fugong.stats.sources import PolicySource, register_policies

    register_policies(
        PolicySource(
            payments=Payment,
            amount="amount",
            paid_on="paid_on",
            enterprise="claim__enterprise_id",
            category="claim__enterprise__category",
            policy="claim__benefit__policy_id",
            policy_names=("claim__benefit__policy__short_name", "claim__benefit__policy__title"),
            place_path="claim__enterprise__jurisdiction__path",
            claims=Claim,
            claim_status="status",
            approved=ClaimStatus.APPROVED,
            waiting=(ClaimStatus.SUBMITTED, ClaimStatus.PROPOSED),
            decided_at="decided_at",
            reached_at=("submitted_at", "created_at"),
            approved_amount="approved_amount",
            claim_place_path="enterprise__jurisdiction__path",
        )
    )
