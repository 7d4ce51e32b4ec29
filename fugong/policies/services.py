"""Writing policies, benefits, enterprises' policy facts, claims and payments. Every write is
audited, refused with a sentence the user can act on, and checked against the actor's right to
it (``workflow.reviews`` for a policy's office; the claim's workflow for claims)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core.audit import audited_create, audited_delete, audited_update, record_many
from fugong.core.errors import NotAllowed, UserError
from fugong.core.models import AuditAction
from fugong.core.orphans import save_upload
from fugong.core.scope import can_see
from fugong.policies import matching, rules
from fugong.policies.choices import ClaimStatus, PolicyStatus
from fugong.policies.models import Benefit, Claim, ClaimFile, Payment, Policy, PolicyFacts
from fugong.policies.workflow import CLAIMS, reviews

FILE_TYPES = ("pdf", "jpg", "png", "docx", "xlsx")
MAX_FILES = 10
MATCH_JOB = "policies.match"
GRANT_JOB = "policies.grant"


def _require_reviewer(actor, policy: Policy) -> None:
    if not reviews(actor, policy):
        raise NotAllowed(_("Only the office of this policy or a command office over %(place)s may change it.")
                         % {"place": policy.issuer.name})  # fmt: skip


def _locked(obj, revision=None):
    """``obj`` re-read under a row lock, checked against the revision the user's form showed
    (None: not tracked): the optimistic-concurrency check, race-free."""
    from fugong.core.concurrency import ensure_current

    locked = type(obj).objects.select_for_update().get(pk=obj.pk)
    if revision not in (None, ""):
        ensure_current(locked, revision, field="revision", conflict=lambda: _stale(locked))
    return locked


def _stale(obj):
    from fugong.core.errors import Conflict

    return Conflict(
        _(
            "Someone else changed this while you had it open. Reload the page; what you typed is still in the form."
        ),
        code="stale",
    )


def _user_error(exc: ValidationError) -> UserError:
    return UserError(" ".join(exc.messages), code="invalid")


# --- policies and benefits -----------------------------------------------------------------


def may_issue(actor, issuer) -> bool:
    """May ``actor`` draft a policy issued by ``issuer``? (A command office of the place or
    above, or the platform administrator.)"""
    return reviews(actor, Policy(issuer=issuer))


@transaction.atomic
def policy_save(*, actor, policy: Policy | None = None, revision=None, **fields) -> Policy:
    if policy is None:
        probe = Policy(**fields)
        if not reviews(actor, probe):
            raise NotAllowed(
                _("Only a command office of %(place)s or above may issue its policies.")
                % {"place": probe.issuer.name}
            )
        return audited_create(Policy, actor=actor, created_by=actor, **fields)
    _require_reviewer(actor, policy)
    policy = _locked(policy, revision)
    issuer = fields.get("issuer")
    if issuer is not None and issuer.pk != policy.issuer_id:
        if policy.status != PolicyStatus.DRAFT:
            raise UserError(_("The issuing place of a published policy cannot change."))
        if not reviews(actor, Policy(issuer=issuer)):
            raise NotAllowed(
                _("Only a command office of %(place)s or above may issue its policies.")
                % {"place": issuer.name}
            )
    policy = audited_update(policy, actor=actor, revision=policy.revision + 1, **fields)
    if policy.status == PolicyStatus.PUBLISHED:
        _rematch(actor, [b.pk for b in policy.benefits.all()])
    return policy


def check_benefit(conditions, formula: str, cap: Decimal | None) -> tuple[list[dict], str]:
    """The conditions and formula cleaned, or UserError with the reason (point 5: what
    cannot be evaluated is refused when saved)."""
    try:
        return rules.check_conditions(conditions), rules.check_formula(formula, cap)
    except ValidationError as exc:
        raise _user_error(exc) from exc


@transaction.atomic
def benefit_save(
    *, actor, policy: Policy, benefit: Benefit | None = None, conditions, formula: str = "",
    cap: Decimal | None = None, revision=None, **fields,
) -> Benefit:  # fmt: skip
    _require_reviewer(actor, policy)
    if benefit is not None:
        benefit = _locked(benefit, revision)
    conditions, formula = check_benefit(conditions, formula, cap)
    values = {"conditions": conditions, "formula": formula, "cap": cap, **fields}
    taken = policy.benefits.filter(position=fields.get("position"))
    if benefit is not None:
        taken = taken.exclude(pk=benefit.pk)
    if taken.exists():
        raise UserError(
            _("Article %(n)s of this policy exists already; give another number.")
            % {"n": fields.get("position")},
            code="duplicate",
        )
    if benefit is None:
        benefit = audited_create(Benefit, actor=actor, policy=policy, **values)
    else:
        values["revision"] = benefit.revision + 1
        benefit = audited_update(benefit, actor=actor, **values)
    if policy.status == PolicyStatus.PUBLISHED:
        _rematch(actor, [benefit.pk])
    return benefit


@transaction.atomic
def benefit_delete(*, actor, benefit: Benefit) -> None:
    _require_reviewer(actor, benefit.policy)
    if benefit.claims.exists():
        raise UserError(
            _(
                "Enterprises have claimed this benefit; it stays on record. Withdraw the policy instead."
            ),
            code="claimed",
        )
    audited_delete(benefit, actor=actor)


def _rematch(actor, benefit_ids: list[int]) -> None:
    """Match again in the background once this transaction commits."""
    from fugong.core.jobs import job_start

    if benefit_ids:
        job_start(
            kind=MATCH_JOB,
            title=_("Match policy benefits with enterprises"),
            user=actor if getattr(actor, "pk", None) else None,
            params={"benefits": benefit_ids},
        )


@transaction.atomic
def policy_publish(*, actor, policy: Policy, revision=None) -> Policy:
    _require_reviewer(actor, policy)
    policy = _locked(policy, revision)
    if policy.status == PolicyStatus.PUBLISHED:
        raise UserError(_("This policy is published already."), code="published")
    benefits = list(policy.benefits.all())
    if not benefits:
        raise UserError(_("Add at least one article before publishing."), code="empty")
    today = timezone.localdate()
    if policy.issued_on and policy.issued_on > today:
        raise UserError(
            _("This policy is issued on %(day)s: publish it on that day.")
            % {"day": policy.issued_on.isoformat()},
            code="not_yet",
        )
    if policy.valid_until and policy.valid_until < today:
        raise UserError(_("This policy expired on %(day)s.") % {"day": policy.valid_until.isoformat()},
                        code="expired")  # fmt: skip
    for b in benefits:  # saved before the rules changed, say: checked again
        check_benefit(b.conditions, b.formula, b.cap)
    policy = audited_update(
        policy, actor=actor, status=PolicyStatus.PUBLISHED, published_at=timezone.now(),
        revision=policy.revision + 1,
    )  # fmt: skip
    _rematch(actor, [b.pk for b in benefits])
    return policy


@transaction.atomic
def policy_withdraw(*, actor, policy: Policy, reason: str, revision=None) -> Policy:
    _require_reviewer(actor, policy)
    policy = _locked(policy, revision)
    if policy.status != PolicyStatus.PUBLISHED:
        raise UserError(_("Only a published policy can be withdrawn."), code="not_published")
    if not (reason or "").strip():
        raise UserError(_("Say why the policy is withdrawn."), code="reason")
    policy = audited_update(
        policy, actor=actor, reason=reason, status=PolicyStatus.WITHDRAWN,
        revision=policy.revision + 1,
    )  # fmt: skip
    matching.unmatch(policy.benefits.values_list("pk", flat=True))
    return policy


# --- an enterprise's policy facts ----------------------------------------------------------


@transaction.atomic
def facts_save(*, actor, enterprise, **fields) -> PolicyFacts:
    """Save what policies ask of ``enterprise`` and match it again (its users are told of
    each benefit newly open to it)."""
    if not can_see(actor, enterprise):
        raise NotAllowed(_("You may not change this enterprise."))
    facts = PolicyFacts.objects.filter(enterprise=enterprise).first()
    if facts is None:
        facts = audited_create(
            PolicyFacts, actor=actor, enterprise=enterprise, updated_by=actor, **fields
        )
    else:
        facts = audited_update(facts, actor=actor, updated_by=actor, **fields)
    transaction.on_commit(lambda: matching.match_enterprise(enterprise.pk))
    return facts


# --- claims --------------------------------------------------------------------------------


def _amount(value, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(rules.CENT)
    except (InvalidOperation, ValueError) as exc:
        raise UserError(_("%(field)s: write an amount in yuan.") % {"field": label}) from exc
    if amount < 0 or amount >= Decimal("1e12"):
        raise UserError(_("%(field)s: the amount is out of range.") % {"field": label})
    return amount


def _within_cap(benefit: Benefit, value, label: str) -> Decimal | None:
    """An amount of a claim, never above the article's cap."""
    amount = _amount(value, label)
    if amount is not None and benefit.cap is not None and amount > benefit.cap:
        raise UserError(
            _("%(field)s: %(amount)s yuan is more than this article grants (at most %(cap)s yuan).")
            % {"field": label, "amount": f"{amount:,.2f}", "cap": f"{benefit.cap:,.2f}"},
            code="over_cap",
        )
    return amount


@transaction.atomic
def claim_start(*, actor, benefit: Benefit, enterprise, statement: str = "", requested=None,
                files=()) -> Claim:  # fmt: skip
    """A draft claim of ``enterprise`` to ``benefit`` (by the enterprise's user)."""
    from fugong.accounts.selectors import active_memberships

    today = timezone.localdate()
    policy = benefit.policy
    if (
        policy.status != PolicyStatus.PUBLISHED
        or (policy.issued_on and policy.issued_on > today)
        or (policy.valid_until and policy.valid_until < today)
    ):
        raise UserError(_("This policy is not in force."), code="not_published")
    if benefit.automatic:
        raise UserError(
            _(
                "This benefit needs no application: the office grants it to every eligible enterprise."
            ),
            code="automatic",
        )
    if not any(
        m.enterprise_id == enterprise.pk for m in active_memberships(actor) if m.enterprise_id
    ):
        raise NotAllowed(_("Only the enterprise's own users claim its benefits."))
    eligible, _reasons, amount = matching.explain(benefit, enterprise.pk)
    if not eligible:
        raise UserError(
            _(
                "Your enterprise does not meet the conditions of this benefit (see why on its page)."
            ),
            code="not_eligible",
        )
    if (
        Claim.objects.filter(benefit=benefit, enterprise=enterprise)
        .exclude(status__in=[ClaimStatus.REJECTED, ClaimStatus.CANCELLED])
        .exists()
    ):
        raise UserError(_("Your enterprise has claimed this benefit already."), code="duplicate")
    claim = audited_create(
        Claim, actor=actor, benefit=benefit, enterprise=enterprise, statement=statement,
        computed_amount=amount, requested_amount=_within_cap(benefit, requested, _("amount requested")),
        created_by=actor,
    )  # fmt: skip
    for upload in files:
        claim_attach(actor=actor, claim=claim, upload=upload)
    return claim


@transaction.atomic
def claim_update(*, actor, claim: Claim, revision=None, statement: str, requested=None) -> Claim:
    if claim.status != ClaimStatus.DRAFT or "enterprise" not in CLAIMS.roles_of(actor, claim):
        raise NotAllowed(_("Only the enterprise changes its claim, while it is being filled in."))
    CLAIMS.check_revision(claim, revision)
    return audited_update(
        claim, actor=actor, statement=statement,
        requested_amount=_within_cap(claim.benefit, requested, _("amount requested")),
        revision=claim.revision + 1,
    )  # fmt: skip


def claim_attach(*, actor, claim: Claim, upload) -> ClaimFile:
    """A file checked by content (``core.files.clean_upload``) on a claim being filled in."""
    from fugong.core.files import clean_upload

    if claim.status != ClaimStatus.DRAFT or "enterprise" not in CLAIMS.roles_of(actor, claim):
        raise NotAllowed(_("Attachments are added by the enterprise while it fills in the claim."))
    if claim.files.count() >= MAX_FILES:
        raise UserError(_("At most %(n)s files a claim.") % {"n": MAX_FILES}, code="too_many")
    clean = clean_upload(upload, allowed=FILE_TYPES, prefix="claim")
    return audited_create(
        ClaimFile, actor=actor, claim=claim,
        file=save_upload(ClaimFile(claim=claim).file, clean.content.name, clean.content),
        name=clean.filename, kind=clean.kind, size=clean.size,
    )  # fmt: skip


@transaction.atomic
def claim_file_remove(*, actor, item: ClaimFile) -> None:
    """Take a file off a claim still being filled in (by the enterprise)."""
    claim = item.claim
    if claim.status != ClaimStatus.DRAFT or "enterprise" not in CLAIMS.roles_of(actor, claim):
        raise NotAllowed(_("Attachments are added by the enterprise while it fills in the claim."))
    audited_delete(item, actor=actor)


@transaction.atomic
def claim_step(*, actor, claim: Claim, action: str, reason: str = "", revision=None,
               amount=None) -> Claim:  # fmt: skip
    """Take a step of the claim's workflow; approving sets the amount approved."""
    claim = CLAIMS.lock(claim)  # the claim as it is now, held until this step ends
    CLAIMS.check(claim, actor=actor, action=action, reason=reason, revision=revision)
    changes: dict = {}
    now = timezone.now()
    if action == "submit":
        if claim.benefit.needs_attachment and not claim.files.exists():
            raise UserError(_("Attach the documents this benefit asks for, then submit."))
        changes["submitted_at"] = now
    if action in ("approve", "confirm"):
        approved = _within_cap(claim.benefit, amount, _("amount approved"))
        if approved is None:
            approved = claim.requested_amount if action == "approve" else claim.computed_amount
        if approved is None and claim.benefit.has_money:
            raise UserError(_("Give the amount approved."), code="amount")
        changes["approved_amount"] = approved
    if action in ("approve", "confirm", "reject"):
        changes.update(decided_at=now, decided_by=actor)
    return CLAIMS.apply(claim, actor=actor, action=action, reason=reason, revision=revision,
                        locked=True, **changes)  # fmt: skip


# --- 免申即享 -----------------------------------------------------------------------------


@transaction.atomic
def grant_compute(*, benefit: Benefit, actor="policies") -> int:
    """Propose a claim for every enterprise eligible for an automatic benefit that has none
    open or approved: the amount its figures give, to be confirmed by the office. Returns how
    many were proposed. Runs as a background job (``GRANT_JOB``)."""
    from fugong.core.bulk import insert_rows

    if not benefit.automatic:
        raise UserError(_("This benefit is granted on application."))
    have = set(
        Claim.objects.filter(benefit=benefit)
        .exclude(status__in=[ClaimStatus.REJECTED, ClaimStatus.CANCELLED])
        .values_list("enterprise_id", flat=True)
    )
    matches = list(
        benefit.matches.exclude(enterprise_id__in=have).values_list("enterprise_id", "amount")
    )
    if not matches:
        return 0
    now = timezone.now()
    due = CLAIMS.due(Claim(benefit=benefit), ClaimStatus.PROPOSED)
    insert_rows(
        Claim,
        ["benefit_id", "enterprise_id", "automatic", "status", "revision", "due", "statement",
         "computed_amount", "created_at", "updated_at"],
        ((benefit.pk, e, True, ClaimStatus.PROPOSED, 0, due, "", a, now, now) for e, a in matches),
    )  # fmt: skip
    return len(matches)


@transaction.atomic
def grant_confirm(*, actor, benefit: Benefit, claim_ids: list[int] | None = None) -> int:
    """免申即享, reviewed and confirmed in one step: every proposed claim of ``benefit`` (or
    those of ``claim_ids``) approved at its computed amount, with one audit row each."""
    _require_reviewer(actor, benefit.policy)
    qs = Claim.objects.select_for_update().filter(benefit=benefit, status=ClaimStatus.PROPOSED)
    if claim_ids is not None:
        qs = qs.filter(pk__in=claim_ids)
    rows = list(qs.values_list("pk", "enterprise_id", "computed_amount"))
    if not rows:
        return 0
    missing = [pk for pk, _e, a in rows if a is None and benefit.has_money]
    if missing:
        raise UserError(
            _(
                "%(n)s of these claims have no amount (a figure is missing): confirm them one by one with an amount, or leave them out."
            )
            % {"n": len(missing)},
            code="amount",
        )
    now = timezone.now()
    ids = [pk for pk, _e, _a in rows]
    from django.db.models import F

    Claim.objects.filter(pk__in=ids).update(
        status=ClaimStatus.APPROVED, approved_amount=F("computed_amount"), decided_at=now,
        decided_by=actor, revision=F("revision") + 1, updated_at=now,
    )  # fmt: skip
    record_many(
        actor=actor,
        model=Claim,
        changes=(
            (
                pk,
                f"{benefit} {e}",
                AuditAction.UPDATE,
                {"status": ClaimStatus.PROPOSED},
                {"status": ClaimStatus.APPROVED, "approved_amount": str(a)},
            )
            for pk, e, a in rows
        ),  # fmt: skip
        reason=_("Confirmed without application (免申即享)"),
    )
    return len(ids)


# --- the disbursement ledger ---------------------------------------------------------------


def paid_total(claim: Claim) -> Decimal:
    return claim.payments.aggregate(s=Sum("amount"))["s"] or Decimal(0)


@transaction.atomic
def payment_record(*, actor, claim: Claim, paid_on: datetime.date, amount, batch: str,
                   voucher: str, note: str = "") -> Payment:  # fmt: skip
    """One payment of an approved claim. The total paid never exceeds the amount approved."""
    claim = (
        Claim.objects.select_for_update().select_related("benefit__policy__issuer").get(pk=claim.pk)
    )
    _require_reviewer(actor, claim.benefit.policy)
    if claim.status != ClaimStatus.APPROVED:
        raise UserError(_("Only an approved claim is paid."), code="not_approved")
    amount = _amount(amount, _("amount"))
    if not amount:
        raise UserError(_("Give the amount paid (more than 0)."), code="amount")
    if paid_on > timezone.localdate():
        raise UserError(_("The day paid cannot be in the future."), code="future")
    decided = timezone.localdate(claim.decided_at) if claim.decided_at else None
    if decided and paid_on < decided:
        raise UserError(
            _("The day paid cannot be before the claim was approved (%(day)s).")
            % {"day": decided.isoformat()},
            code="before_approval",
        )
    if claim.approved_amount is not None and paid_total(claim) + amount > claim.approved_amount:
        raise UserError(
            _("This would pay %(total)s yuan in all, more than the %(approved)s yuan approved.")
            % {
                "total": f"{paid_total(claim) + amount:,.2f}",
                "approved": f"{claim.approved_amount:,.2f}",
            },
            code="over",
        )
    batch, voucher = batch.strip(), voucher.strip()
    if not batch or not voucher:
        raise UserError(_("Give the batch and the voucher number."), code="voucher")
    if Payment.objects.filter(batch=batch, voucher=voucher).exists():
        raise UserError(
            _("Voucher %(voucher)s of batch %(batch)s is recorded already.")
            % {"voucher": voucher, "batch": batch},
            code="duplicate",
        )
    payment = audited_create(
        Payment, actor=actor, claim=claim, paid_on=paid_on, amount=amount, batch=batch,
        voucher=voucher, note=note, recorded_by=actor,
    )  # fmt: skip
    from fugong.notifications.services import event_raise
    from fugong.policies.events import PAID, params

    event_raise(kind=PAID, subject=payment, actor=actor, params=params(payment))
    return payment


@transaction.atomic
def payment_reverse(*, actor, payment: Payment, voucher: str, reason: str,
                    paid_on: datetime.date | None = None) -> Payment:  # fmt: skip
    """A reversal (冲销): a line of the opposite amount pointing at ``payment``. A payment is
    reversed once; a reversal is never reversed (record a new payment instead)."""
    payment = (
        Payment.objects.select_for_update()
        .select_related("claim__benefit__policy__issuer")
        .get(pk=payment.pk)
    )
    _require_reviewer(actor, payment.claim.benefit.policy)
    if payment.amount < 0:
        raise UserError(_("A reversal is not reversed; record the payment again instead."))
    if Payment.objects.filter(reverses=payment).exists():
        raise UserError(_("This payment is reversed already."), code="reversed")
    if not (reason or "").strip():
        raise UserError(_("Say why the payment is reversed."), code="reason")
    voucher = (voucher or "").strip()
    if not voucher:
        raise UserError(_("Give the voucher number of the reversal."), code="voucher")
    if paid_on is not None and paid_on > timezone.localdate():
        raise UserError(_("The day paid cannot be in the future."), code="future")
    if Payment.objects.filter(batch=payment.batch, voucher=voucher).exists():
        raise UserError(
            _("Voucher %(voucher)s of batch %(batch)s is recorded already.")
            % {"voucher": voucher, "batch": payment.batch},
            code="duplicate",
        )
    return audited_create(
        Payment, actor=actor, reason=reason, claim=payment.claim,
        paid_on=paid_on or timezone.localdate(), amount=-payment.amount, batch=payment.batch,
        voucher=voucher, reverses=payment, note=reason[:300], recorded_by=actor,
    )  # fmt: skip
