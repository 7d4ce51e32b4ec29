"""The office's policy pages: the catalog, a policy and its articles, a benefit with its
eligible enterprises (or, for an enterprise, whether it qualifies and why), the claims with
their review and payments, and the disbursement ledger. Views check input, fetch objects in
the user's scope (404 otherwise) and call one service; a refusal is shown, never a 500."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.accounts.models import Jurisdiction
from fugong.core.errors import Conflict, UserError
from fugong.core.files import file_response
from fugong.core.ids import parse_id
from fugong.core.jobs import job_start
from fugong.enterprises.models import Enterprise
from fugong.policies import matching, rules, selectors, services
from fugong.policies.choices import ClaimStatus, PolicyStatus
from fugong.policies.forms import (
    BenefitForm,
    ConditionRows,
    PaymentForm,
    PolicyForm,
    ReversalForm,
    facts_choices,
    formula_help,
    issuers,
)
from fugong.policies.models import Benefit, Claim, ClaimFile, ClaimStep, Policy
from fugong.policies.public_views import constant_amount
from fugong.policies.workflow import CLAIMS, ENTERPRISE, reviews

PAGE = 30
ELIGIBLE_PAGE = 50
LEDGER_PAGE = 50


def _page(request, qs, size=PAGE):
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _form_error(form) -> str:
    return _("Correct the fields marked below.") if form.errors else ""


# --- conditions and formulas in words ------------------------------------------------------


def _place_names(conditions_lists) -> dict[int, str]:
    ids = {
        int(v)
        for conditions in conditions_lists
        for c in conditions
        if c.get("fact") in rules.FACTS and rules.FACTS[c["fact"]].kind == rules.PLACE
        for v in c.get("value") or []
        if str(v).isdigit()
    }
    if not ids:
        return {}
    return dict(Jurisdiction.objects.filter(pk__in=ids).values_list("pk", "name"))


def _in_words(conditions: list[dict], places: dict[int, str]) -> list[str]:
    out = []
    for c in conditions:
        try:
            out.append(rules.condition_text(c, places))
        except (KeyError, TypeError, ValueError, ArithmeticError):  # saved before a rule changed
            out.append(_("a condition that can no longer be read (edit the article)"))
    return out


_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def _formula_words(formula: str) -> str:
    """The formula with each figure named in the reader's language; a constant, in yuan."""
    if constant := constant_amount(formula):
        return constant

    def name(m: re.Match) -> str:
        fact = rules.FACTS.get(m.group(0))
        return str(fact.label) if fact and fact.kind == rules.NUMBER else m.group(0)

    return _NAME.sub(name, formula or "").replace("*", "×").replace("/", "÷")


# --- the catalog and a policy --------------------------------------------------------------


def _policy(request, pk: int) -> Policy:
    policy = (
        selectors.policy_list(request.user)
        .select_related("issuer", "office", "created_by")
        .filter(pk=pk)
        .first()
    )
    if policy is None:
        raise Http404
    return policy


def _reviews_any(user) -> bool:
    """Does ``user`` review the claims of some published policy (and so may match again)?"""
    if not selectors.is_government(user):
        return False
    published = Policy.objects.filter(status=PolicyStatus.PUBLISHED).select_related("issuer")
    return any(reviews(user, p) for p in published)


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.policy_list(request.user).order_by("-issued_on", "-pk")
    status = request.GET.get("status", "")
    if status in PolicyStatus.values:
        qs = qs.filter(status=status)
    government = selectors.is_government(request.user)
    return render(
        request,
        "policies/list.html",
        {
            "page": _page(request, qs),
            "status": status,
            "statuses": PolicyStatus.choices if government else [],
            "query": f"status={status}" if status else "",
            "may_issue": government and issuers(request.user).exists(),
            "may_match": _reviews_any(request.user),
            "government": government,
            "enterprise_user": bool(selectors.enterprise_ids(request.user)),
        },
    )


@login_required
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy = _policy(request, pk)
    benefits = list(selectors.benefits_of(policy))
    places = _place_names(b.conditions for b in benefits)
    return render(
        request,
        "policies/policy.html",
        {
            "policy": policy,
            "benefits": [
                (b, _in_words(b.conditions, places), _formula_words(b.formula)) for b in benefits
            ],
            "manage": reviews(request.user, policy),
            "government": selectors.is_government(request.user),
        },
    )


def _policy_form(request, policy: Policy | None) -> HttpResponse:
    user = request.user
    if policy is not None and not reviews(user, policy):
        messages.error(
            request,
            _("Only the office of this policy or a command office over %(place)s may change it.")
            % {"place": policy.issuer.name},
        )
        return redirect("policies:policy", policy.pk)
    if policy is None and not issuers(user).exists():
        messages.error(request, _("Only a command office may issue policies."))
        return redirect("policies:list")
    if policy is None:
        initial = {"issued_on": timezone.localdate()}
        first = issuers(user).first()
        if first is not None and issuers(user).count() == 1:
            initial["issuer"] = first.pk
    else:
        initial = {
            "title": policy.title, "short_name": policy.short_name,
            "document_number": policy.document_number, "issuer": policy.issuer_id,
            "office": policy.office_id, "issued_on": policy.issued_on,
            "valid_until": policy.valid_until, "summary": policy.summary,
            "revision": policy.revision,
        }  # fmt: skip
    form = PolicyForm(request.POST or None, user=user, policy=policy, initial=initial)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.policy_save(
                    actor=user, policy=policy, revision=form.cleaned_data.get("revision"),
                    **form.fields_for_service(),
                )  # fmt: skip
            except UserError as exc:
                error, status = exc.message, exc.status
            else:
                messages.success(request, _("Policy saved."))
                return redirect("policies:policy", saved.pk)
        else:
            error, status = _form_error(form), 400
    return render(
        request,
        "policies/policy_form.html",
        {"policy": policy, "form": form, "error": error},
        status=status,
    )


@login_required
def policy_new(request: HttpRequest) -> HttpResponse:
    return _policy_form(request, None)


@login_required
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _policy_form(request, _policy(request, pk))


@login_required
@require_POST
def policy_publish(request: HttpRequest, pk: int) -> HttpResponse:
    policy = _policy(request, pk)
    revision = request.POST.get("revision") or None
    try:
        services.policy_publish(actor=request.user, policy=policy, revision=revision)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Published. The enterprises it reaches are being matched; those with users are told."
            ),
        )
    return redirect("policies:policy", policy.pk)


@login_required
@require_POST
def policy_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    policy = _policy(request, pk)
    reason = (request.POST.get("reason") or "").strip()[:1000]
    try:
        services.policy_withdraw(
            actor=request.user, policy=policy, reason=reason, revision=request.POST.get("revision")
        )
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Policy withdrawn. Its benefits match no enterprise now."))
    return redirect("policies:policy", policy.pk)


@login_required
@require_POST
def match_all(request: HttpRequest) -> HttpResponse:
    if not _reviews_any(request.user):
        messages.error(request, _("Only an office reviewing a published policy may match again."))
        return redirect("policies:list")
    job = job_start(
        kind=services.MATCH_JOB,
        title=_("Match every published benefit with the enterprises"),
        user=request.user,
        params={"back": {"url": reverse("policies:list"), "label": _("Policies")}},
    )
    return redirect("core:job", pk=job.pk)


# --- a benefit -----------------------------------------------------------------------------


def _benefit(request, pk: int) -> Benefit:
    """A benefit of a policy the user sees, or one the user's claim is on (an enterprise
    still opens the benefit of its claim once the policy is withdrawn)."""
    visible = selectors.policy_list(request.user).values("pk")
    claimed = Claim.objects.filter(
        benefit_id=pk, enterprise_id__in=selectors.enterprise_ids(request.user)
    ).values("benefit_id")
    benefit = (
        Benefit.objects.filter(Q(policy_id__in=visible) | Q(pk__in=claimed), pk=pk)
        .select_related("policy__issuer", "policy__office")
        .first()
    )
    if benefit is None:
        raise Http404
    return benefit


def _proposed(user, benefit: Benefit):
    """The proposed (免申即享) claims of ``benefit`` the user sees."""
    return selectors.claim_list(user).filter(benefit=benefit, status=ClaimStatus.PROPOSED)


def _mine(user, benefit: Benefit) -> list[dict]:
    """For each enterprise of the user: eligible?, why, the amount and its claim."""
    ids = selectors.enterprise_ids(user)
    if not ids:
        return []
    names = dict(Enterprise.objects.filter(pk__in=ids).values_list("pk", "name"))
    claims = {
        c.enterprise_id: c
        for c in Claim.objects.filter(benefit=benefit, enterprise_id__in=ids).exclude(
            status__in=[ClaimStatus.REJECTED, ClaimStatus.CANCELLED]
        )
    }
    out = []
    for pk in ids:
        eligible, reasons, amount = matching.explain(benefit, pk)
        out.append(
            {
                "id": pk,
                "name": names.get(pk, ""),
                "eligible": eligible,
                "reasons": reasons,
                "amount": amount,
                "claim": claims.get(pk),
            }
        )
    return out


@login_required
def benefit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    benefit = _benefit(request, pk)
    policy = benefit.policy
    user = request.user
    government = selectors.is_government(user)
    context = {
        "benefit": benefit,
        "policy": policy,
        "manage": reviews(user, policy),
        "government": government,
    }
    if government:
        # One count for the paginator and the totals (the list is large: counted once).
        totals = selectors.eligible_totals(user, benefit)
        paginator = Paginator(selectors.eligible(user, benefit), ELIGIBLE_PAGE)
        paginator.count = totals["n"]
        context["page"] = paginator.get_page(request.GET.get("page"))
        if request.htmx and "page" in request.GET:
            return render(request, "policies/benefit.html#eligible", context)
        context["totals"] = totals
        if benefit.automatic:
            proposed = _proposed(user, benefit)
            context["proposed"] = proposed.aggregate(
                n=Count("pk"),
                amount=Sum("computed_amount"),
                missing=Count("pk", filter=Q(computed_amount=None)),
            )
    places = _place_names([benefit.conditions])
    context.update(
        conditions=_in_words(benefit.conditions, places),
        formula_words=_formula_words(benefit.formula),
        mine=_mine(user, benefit),
        published=policy.status == PolicyStatus.PUBLISHED,
    )
    return render(request, "policies/benefit.html", context)


def _benefit_form(request, policy: Policy, benefit: Benefit | None) -> HttpResponse:
    user = request.user
    if not reviews(user, policy):
        messages.error(
            request,
            _("Only the office of this policy or a command office over %(place)s may change it.")
            % {"place": policy.issuer.name},
        )
        return redirect("policies:policy", policy.pk)
    issuer = policy.issuer
    if request.htmx and "row" in request.GET:  # a fact was chosen: the row fitting it
        return render(
            request,
            "policies/benefit_form.html#condition",
            {"row": ConditionRows.one(request.GET, issuer), "facts": facts_choices()},
        )
    error, status = "", 200
    if request.method == "POST":
        rows = ConditionRows.from_data(request.POST, issuer, add="add_condition" in request.POST)
        if "add_condition" in request.POST or "update" in request.POST:
            # The rows changed (a condition added or removed, a fact chosen without
            # JavaScript): the form shown again as typed, not checked yet.
            form = BenefitForm(initial={k: request.POST.get(k) for k in BenefitForm.base_fields})
        elif (form := BenefitForm(request.POST)).is_valid():
            try:
                saved = services.benefit_save(
                    actor=user, policy=policy, benefit=benefit, conditions=rows.conditions(),
                    revision=form.cleaned_data.get("revision"),
                    **form.fields_for_service(),
                )  # fmt: skip
            except UserError as exc:
                error, status, rows = exc.message, exc.status, rows.compact()
            else:
                messages.success(request, _("Article saved."))
                return redirect("policies:benefit", saved.pk)
        else:
            error, status = _form_error(form), 400
    else:
        if benefit is None:
            last = policy.benefits.order_by("-position").values_list("position", flat=True)
            initial = {"position": (last.first() or 0) + 1}
            rows = ConditionRows.from_data({}, issuer, add=True)
        else:
            initial = {
                "position": benefit.position, "title": benefit.title, "text": benefit.text,
                "formula": benefit.formula, "cap": benefit.cap, "automatic": benefit.automatic,
                "needs_attachment": benefit.needs_attachment, "revision": benefit.revision,
            }  # fmt: skip
            rows = ConditionRows.from_conditions(benefit.conditions, issuer)
        form = BenefitForm(initial=initial)
    return render(
        request,
        "policies/benefit_form.html",
        {
            "policy": policy,
            "benefit": benefit,
            "form": form,
            "rows": rows,
            "facts": facts_choices(),
            "numeric": formula_help(),
            "error": error,
        },
        status=status,
    )


@login_required
def benefit_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _benefit_form(request, _policy(request, pk), None)


@login_required
def benefit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    benefit = _benefit(request, pk)
    return _benefit_form(request, benefit.policy, benefit)


@login_required
@require_POST
def benefit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    benefit = _benefit(request, pk)
    try:
        services.benefit_delete(actor=request.user, benefit=benefit)
    except UserError as exc:
        messages.error(request, exc.message)
        return redirect("policies:benefit", benefit.pk)
    messages.success(request, _("Article deleted."))
    return redirect("policies:policy", benefit.policy_id)


@login_required
@require_POST
def benefit_grant(request: HttpRequest, pk: int) -> HttpResponse:
    """免申即享: compute the claims of every eligible enterprise, as a background job."""
    benefit = _benefit(request, pk)
    if not (benefit.automatic and benefit.policy.status == PolicyStatus.PUBLISHED):
        messages.error(
            request, _("Only a benefit in force granted without application is computed.")
        )
        return redirect("policies:benefit", benefit.pk)
    if not reviews(request.user, benefit.policy):
        messages.error(request, _("Only the office of this policy may compute its grants."))
        return redirect("policies:benefit", benefit.pk)
    job = job_start(
        kind=services.GRANT_JOB,
        title=_("Compute “%(benefit)s” for every eligible enterprise") % {"benefit": benefit.title},
        user=request.user,
        params={
            "benefit": benefit.pk,
            "back": {"url": reverse("policies:benefit", args=[benefit.pk]), "label": benefit.title},
        },
    )
    return redirect("core:job", pk=job.pk)


@login_required
@require_POST
def benefit_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """免申即享, confirmed in one step: every proposed claim the user sees (those without an
    amount left out when asked)."""
    benefit = _benefit(request, pk)
    proposed = _proposed(request.user, benefit)
    if request.POST.get("skip_missing"):
        proposed = proposed.exclude(computed_amount=None)
    ids = list(proposed.values_list("pk", flat=True))
    try:
        n = services.grant_confirm(actor=request.user, benefit=benefit, claim_ids=ids)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        if n:
            messages.success(request, _("%(n)s claims confirmed.") % {"n": n})
        else:
            messages.info(request, _("No claim waits for confirmation."))
    return redirect("policies:benefit", benefit.pk)


# --- claims --------------------------------------------------------------------------------


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.claim_list(request.user).order_by("-created_at", "-pk")
    status = request.GET.get("status", "")
    if status in ClaimStatus.values:
        qs = qs.filter(status=status)
    policies = list(selectors.policy_list(request.user).order_by("-issued_on", "-pk"))
    policy = parse_id(request.GET.get("policy"))
    if policy:
        qs = qs.filter(benefit__policy_id=policy)
    benefit = parse_id(request.GET.get("benefit"))
    if benefit:
        qs = qs.filter(benefit_id=benefit)
    query = "&".join(
        f"{k}={v}" for k, v in (("status", status), ("policy", policy), ("benefit", benefit)) if v
    )
    return render(
        request,
        "policies/claims.html",
        {
            "page": _page(request, qs),
            "statuses": ClaimStatus.choices,
            "status": status,
            "policies": policies,
            "policy": policy,
            "benefit": benefit,
            "query": query,
            "today": timezone.localdate(),
            "government": selectors.is_government(request.user),
            "enterprise_user": bool(selectors.enterprise_ids(request.user)),
        },
    )


def _claim(request, pk: int) -> Claim:
    claim = (
        selectors.claim_list(request.user)
        .select_related("benefit__policy__issuer", "enterprise__jurisdiction", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if claim is None:
        raise Http404
    return claim


def sent_back_step(claim: Claim) -> ClaimStep | None:
    """The step that sent ``claim`` back to the enterprise, while it is a draft again."""
    if claim.status != ClaimStatus.DRAFT:
        return None
    last = claim.steps.order_by("-at", "-pk").first()
    return last if last is not None and last.action == "send_back" else None


def _claim_page(request, claim: Claim, *, error: str = "", status: int = 200, step=None,
                pay_form=None, reversal=None) -> HttpResponse:  # fmt: skip
    """The claim with its steps, files and payments; ``step``, ``pay_form`` and ``reversal``
    bring back what the user typed when a step or a payment was refused."""
    user = request.user
    manage = reviews(user, claim.benefit.policy)
    payments = list(
        claim.payments.select_related("reverses", "recorded_by").order_by("paid_on", "pk")
    )
    reversed_ids = {p.reverses_id for p in payments if p.reverses_id}
    paid = sum((p.amount for p in payments), Decimal(0))
    remaining = None
    if claim.approved_amount is not None:
        remaining = max(claim.approved_amount - paid, Decimal(0))
    may_pay = manage and claim.status == ClaimStatus.APPROVED and claim.benefit.has_money
    if pay_form is None and may_pay:
        pay_form = PaymentForm(initial={"amount": remaining or None})
    labels = {t.action: t.label for t in CLAIMS.transitions}
    amount_default = claim.requested_amount if claim.status == ClaimStatus.SUBMITTED else None
    if claim.status == ClaimStatus.PROPOSED:
        amount_default = claim.computed_amount
    actions = CLAIMS.available(user, claim)
    # What the user typed for a step no longer open (another tab acted first): shown apart.
    stranded = step if step and step.get("action") not in {t.action for t in actions} else None
    if stranded and not (stranded.get("reason") or stranded.get("amount")):
        stranded = None
    return render(
        request,
        "policies/claim.html",
        {
            "claim": claim,
            "policy": claim.benefit.policy,
            "actions": actions,
            "stranded": stranded,
            "amount_default": amount_default,
            "step": step or {},
            "files": claim.files.all(),
            "steps": [(s, labels.get(s.action, s.action)) for s in claim.steps.all()],
            "payments": payments,
            "reversed_ids": reversed_ids,
            "paid": paid,
            "remaining": remaining,
            "manage": manage,
            "owner": ENTERPRISE in CLAIMS.roles_of(user, claim),
            "sent_back": sent_back_step(claim),
            "may_pay": may_pay,
            "pay_form": pay_form,
            "reversal": reversal or {},
            "error": error,
        },
        status=status,
    )


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The claim; a payment recorded (``op=pay``) or reversed (``op=reverse``) here."""
    claim = _claim(request, pk)
    if request.method != "POST":
        return _claim_page(request, claim)
    op = request.POST.get("op", "")
    if op == "pay":
        form = PaymentForm(request.POST)
        if not form.is_valid():
            return _claim_page(request, claim, error=_form_error(form), status=400, pay_form=form)
        try:
            services.payment_record(actor=request.user, claim=claim, **form.cleaned_data)
        except UserError as exc:
            return _claim_page(request, claim, error=exc.message, status=exc.status, pay_form=form)
        messages.success(request, _("Payment recorded."))
    elif op == "reverse":
        payment = claim.payments.filter(pk=parse_id(request.POST.get("payment"))).first()
        if payment is None:
            raise Http404
        form = ReversalForm(request.POST)
        typed = {"payment": payment.pk, "voucher": request.POST.get("voucher", ""),
                 "reason": request.POST.get("reason", "")}  # fmt: skip
        if not form.is_valid():
            return _claim_page(
                request, claim, status=400, reversal=typed,
                error=_("Give the voucher number of the reversal and the reason."),
            )  # fmt: skip
        try:
            services.payment_reverse(actor=request.user, payment=payment, **form.cleaned_data)
        except UserError as exc:
            return _claim_page(request, claim, error=exc.message, status=exc.status, reversal=typed)
        messages.success(request, _("Payment reversed."))
    else:
        raise Http404
    return redirect("policies:claim", claim.pk)


def _claim_or_sent_back(request, pk: int, typed: dict) -> Claim | HttpResponse:
    """The claim; or, when another tab sent it back meanwhile (a draft again, the
    enterprise's own until submitted), its reviewer is told so, with what was typed, on the
    list of claims (never left on the step's address)."""
    try:
        return _claim(request, pk)
    except Http404:
        hidden = (
            Claim.objects.filter(pk=pk, status=ClaimStatus.DRAFT)
            .select_related("benefit__policy__issuer")
            .first()
        )
        if hidden is None or not reviews(request.user, hidden.benefit.policy):
            raise
    text = _(
        "This claim was sent back to the enterprise meanwhile and is being filled in again: "
        "nothing was done. It comes back here when the enterprise submits it again."
    )
    if typed["reason"]:
        text += " " + _("What you typed: %(text)s") % {"text": typed["reason"]}
    messages.warning(request, text)
    return redirect("policies:claims")


@login_required
@require_POST
def claim_step(request: HttpRequest, pk: int) -> HttpResponse:
    action = (request.POST.get("action") or "")[:20]
    typed = {
        "action": action,
        "reason": (request.POST.get("reason") or "").strip()[:1000],
        "amount": (request.POST.get("amount") or "").strip()[:20],
    }
    claim = _claim_or_sent_back(request, pk, typed)
    if not isinstance(claim, Claim):
        return claim
    try:
        services.claim_step(
            actor=request.user, claim=claim, action=action, reason=typed["reason"],
            revision=request.POST.get("revision") or None, amount=typed["amount"] or None,
        )  # fmt: skip
    except Conflict as exc:
        # Another tab or user acted first: the claim as it is now, with what was typed shown
        # (in its form when that step is still open, otherwise apart, to copy).
        now = _claim_or_sent_back(request, pk, typed)
        if not isinstance(now, Claim):
            return now
        kept = typed["reason"] or typed["amount"]
        error = _(
            "Someone else changed this claim while you had it open: it is now “%(status)s”. "
            "Nothing was done."
        ) % {"status": now.get_status_display()}
        if kept:
            error += " " + _("What you typed is shown below.")
        return _claim_page(request, now, error=error, status=exc.status, step=typed)
    except UserError as exc:
        return _claim_page(request, _claim(request, pk), error=exc.message, status=exc.status,
                           step=typed)  # fmt: skip
    messages.success(request, _("Done."))
    return redirect("policies:claim", claim.pk)


@login_required
def claim_file(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = ClaimFile.objects.filter(pk=pk).first()
    if (
        attachment is None
        or not selectors.claim_list(request.user).filter(pk=attachment.claim_id).exists()
    ):
        raise Http404
    return file_response(attachment.file, kind=attachment.kind, filename=attachment.name)


# --- the disbursement ledger ---------------------------------------------------------------


def _day(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


@login_required
def payment_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.payment_list(request.user).select_related("reversal")
    policy = parse_id(request.GET.get("policy"))
    if policy:
        qs = qs.filter(claim__benefit__policy_id=policy)
    batch = (request.GET.get("batch") or "").replace("\x00", "").strip()[:40]
    if batch:
        qs = qs.filter(batch=batch)
    start, end = _day(request.GET.get("from")), _day(request.GET.get("to"))
    unread = [
        raw
        for raw, day in ((request.GET.get("from"), start), (request.GET.get("to"), end))
        if (raw or "").strip() and day is None
    ]
    if start:
        qs = qs.filter(paid_on__gte=start)
    if end:
        qs = qs.filter(paid_on__lte=end)
    totals = qs.aggregate(
        n=Count("pk"),
        net=Sum("amount"),
        paid=Sum("amount", filter=Q(amount__gt=0)),
        reversed=Sum("amount", filter=Q(amount__lt=0)),
        enterprises=Count("claim__enterprise", distinct=True),
    )
    # Reversals are negative rows; the total is said as an amount reversed (positive).
    totals["reversed"] = -(totals["reversed"] or Decimal(0))
    query = "&".join(
        f"{k}={v}"
        for k, v in (("policy", policy), ("batch", batch), ("from", start), ("to", end))
        if v
    )
    return render(
        request,
        "policies/payments.html",
        {
            "page": _page(request, qs, LEDGER_PAGE),
            "totals": totals,
            "policies": list(selectors.policy_list(request.user).order_by("-issued_on", "-pk")),
            "policy": policy,
            "batch": batch,
            "start": start,
            "end": end,
            "query": query,
            "government": selectors.is_government(request.user),
            "enterprise_user": bool(selectors.enterprise_ids(request.user)),
            "date_error": _(
                "The date “%(value)s” is not understood: give it as 2026-03-01. "
                "The list below is not filtered by it."
            )
            % {"value": unread[0][:20]}
            if unread
            else "",
        },
    )
