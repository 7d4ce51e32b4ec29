"""The enterprise's pages of policies (政策找企业): the benefits in force it is eligible for,
with their amounts; every other benefit of the policies issued above its place, with the
conditions it does not meet; its claims with what was paid; its policy facts; and its claim
form. Views read input and call one service; what they show is in the user's scope."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from fugong.accounts.selectors import active_memberships
from fugong.core import tree
from fugong.core.errors import NotAllowed, UserError
from fugong.core.ids import parse_id
from fugong.enterprises.models import Enterprise
from fugong.enterprises.selectors import enterprise_list
from fugong.policies import matching, rules, selectors, services
from fugong.policies.apps import GOVERNMENT
from fugong.policies.choices import OPEN_CLAIM, ClaimStatus, PolicyStatus
from fugong.policies.mine_forms import ClaimForm, FactsForm
from fugong.policies.models import Benefit, Claim, PolicyFacts
from fugong.policies.public_views import grant_text
from fugong.policies.views import sent_back_step
from fugong.policies.workflow import CLAIMS, ENTERPRISE

HELD = (*OPEN_CLAIM, ClaimStatus.APPROVED)  # a claim that stands: no second one


def is_government(user) -> bool:
    """A government role (not an enterprise's user, employee or park operator)."""
    return any(m.role in GOVERNMENT for m in active_memberships(user))


def _enterprise(request: HttpRequest, *, government: bool = True) -> Enterprise:
    """The enterprise a page is about: ``?enterprise=<pk>`` among those the user sees (a
    government user; an enterprise user with several), otherwise the user's own."""
    own = selectors.enterprise_ids(request.user)
    pk = parse_id(request.GET.get("enterprise"))
    if pk is None:
        if not own:
            raise NotAllowed(
                _("This page is an enterprise's own. Open it from the enterprise's page.")
            )
        pk = own[0]
    elif pk not in own and not (government and is_government(request.user)):
        raise NotAllowed(_("Only the enterprise's own users and its government see this page."))
    enterprise = enterprise_list(user=request.user).filter(pk=pk).first()
    if enterprise is None:
        raise Http404
    return enterprise


def _own(request: HttpRequest) -> Enterprise:
    """The user's own enterprise: only its users claim its benefits."""
    return _enterprise(request, government=False)


def _query(enterprise: Enterprise, request: HttpRequest) -> str:
    """``?enterprise=<pk>`` when the page is about another enterprise than the user's own."""
    own = selectors.enterprise_ids(request.user)
    return "" if own and enterprise.pk == own[0] else f"?enterprise={enterprise.pk}"


def explained(enterprise: Enterprise, benefits: list[Benefit]) -> dict[int, dict]:
    """For each benefit: each condition met or not with the enterprise's value, and the
    amount its figures give (``matching.explain``, the enterprise's facts read once)."""
    names, rows = rules.load(Enterprise.objects.filter(pk=enterprise.pk))
    row = next(iter(rows), None)
    out: dict[int, dict] = {}
    if row is None:
        return out
    for benefit in benefits:
        reasons = rules.explain(benefit.conditions, row, names)
        c = matching.compiled(benefit, names)
        amount = c.amount(row) if c.amount is not None else None
        out[benefit.pk] = {
            "reasons": reasons,
            "eligible": all(r.met for r in reasons),
            "amount": amount,
        }
    return out


def benefits_above(enterprise: Enterprise) -> list[Benefit]:
    """The benefits of the published policies issued by the enterprise's place or above."""
    paths = tree.ancestor_paths(enterprise.jurisdiction)
    return list(
        Benefit.objects.filter(
            policy__status=PolicyStatus.PUBLISHED, policy__issuer__path__in=paths
        )
        .select_related("policy__issuer")
        .order_by("-policy__issued_on", "policy_id", "position")
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    own = enterprise.pk in selectors.enterprise_ids(request.user)
    matches = list(selectors.matches_of(enterprise.pk))
    matched = {m.benefit_id for m in matches}
    benefits = benefits_above(enterprise)
    # A benefit matched although issued elsewhere (its place condition names this one).
    benefits += [m.benefit for m in matches if m.benefit_id not in {b.pk for b in benefits}]
    why = explained(enterprise, benefits)
    claims = list(
        selectors.claim_list(request.user)
        .filter(enterprise=enterprise)
        .select_related("benefit__policy")
        .order_by("-created_at", "-id")
    )
    standing = {}
    for claim in reversed(claims):  # the newest claim of each benefit that stands
        if claim.status in HELD:
            standing[claim.benefit_id] = claim
    eligible = [
        {
            "match": m,
            "benefit": m.benefit,
            "grant": grant_text(m.benefit),
            "reasons": why.get(m.benefit_id, {}).get("reasons", []),
            "claim": standing.get(m.benefit_id),
            "may_claim": own and not m.benefit.automatic and m.benefit_id not in standing,
        }
        for m in matches
    ]
    others = [
        {
            "benefit": b,
            "grant": grant_text(b),
            "reasons": why.get(b.pk, {}).get("reasons", []),
            "unmet": [r for r in why.get(b.pk, {}).get("reasons", []) if not r.met],
        }
        for b in benefits
        if b.pk not in matched
    ]
    context = {
        "enterprise": enterprise,
        "own": own,
        "query": _query(enterprise, request),
        "eligible": eligible,
        "others": others,
        "claims": claims,
        "total": sum((m.amount for m in matches if m.amount is not None), Decimal(0)),
        "has_facts": PolicyFacts.objects.filter(enterprise=enterprise).exists(),
        "may_edit_facts": own or is_government(request.user),
    }
    return render(request, "policies/mine/mine.html", context)


@login_required
def facts(request: HttpRequest) -> HttpResponse:
    """The enterprise's policy facts: its own users, or a government user who sees it
    (``?enterprise=<pk>``). Saved, the enterprise is matched again."""
    enterprise = _enterprise(request)
    form = FactsForm(
        request.POST or None, instance=PolicyFacts.objects.filter(enterprise=enterprise).first()
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.facts_save(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        except UserError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("Saved. The benefits open to %(name)s are being matched again.")
                % {"name": enterprise.name},
            )
            return redirect(reverse("policies:mine") + _query(enterprise, request))
    elif request.method == "POST":
        error = form.error_sentence()
    return render(
        request,
        "policies/mine/facts.html",
        {"enterprise": enterprise, "form": form, "error": error,
         "query": _query(enterprise, request)},
        status=400 if error else 200,
    )  # fmt: skip


def _published_benefit(pk: int) -> Benefit:
    benefit = (
        Benefit.objects.filter(pk=pk, policy__status=PolicyStatus.PUBLISHED)
        .select_related("policy__issuer")
        .first()
    )
    if benefit is None:
        raise Http404
    return benefit


def _claim_page(claim: Claim) -> HttpResponse:
    return redirect("policies:claim", claim.pk)


@login_required
def claim_new(request: HttpRequest, benefit_pk: int) -> HttpResponse:
    """The enterprise's claim to a benefit: statement, amount requested (the amount its
    figures give, to start with), attachments. Saved as a draft; it is submitted from the
    claim's page."""
    benefit = _published_benefit(benefit_pk)
    enterprise = _own(request)
    standing = (
        Claim.objects.filter(benefit=benefit, enterprise=enterprise, status__in=HELD)
        .order_by("-pk")
        .first()
    )
    if standing is not None:
        messages.info(request, _("Your enterprise has claimed this benefit already."))
        return _claim_page(standing)
    eligible, reasons, amount = matching.explain(benefit, enterprise.pk)
    # Not eligible: the form is shown disabled under the conditions not met (what was typed
    # kept), and a post is refused here with the reasons on the page.
    form = ClaimForm(
        request.POST or None,
        request.FILES or None,
        with_money=benefit.has_money,
        initial={"requested": amount},
    )
    error, status = "", 400
    if request.method == "POST" and not eligible:
        error = _(
            "Your enterprise does not meet every condition of this benefit: the conditions "
            "not met are marked above. Nothing was saved."
        )
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim = services.claim_start(
                actor=request.user, benefit=benefit, enterprise=enterprise,
                statement=data["statement"], requested=data.get("requested"),
                files=data["files"],
            )  # fmt: skip
        except UserError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(
                request, _("Claim saved. Check it, then submit it for review on this page.")
            )
            return _claim_page(claim)
    elif request.method == "POST":
        error = form.error_sentence()
    return render(
        request,
        "policies/mine/claim_form.html",
        {
            "benefit": benefit,
            "grant": grant_text(benefit),
            "enterprise": enterprise,
            "eligible": eligible,
            "reasons": reasons,
            "amount": amount,
            "form": form,
            "error": error,
            "files_lost": bool(error and request.FILES),
        },
        status=status if error else 200,
    )


@login_required
def claim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A claim being filled in: its statement, amount requested, more files."""
    claim = (
        selectors.claim_list(request.user)
        .filter(pk=pk)
        .select_related("benefit__policy__issuer", "enterprise")
        .first()
    )
    if claim is None:
        raise Http404
    owner = ENTERPRISE in CLAIMS.roles_of(request.user, claim)
    if owner and claim.status == ClaimStatus.SUBMITTED:
        messages.info(
            request,
            _(
                "This claim is submitted and waits for review. To change it, withdraw it on "
                "this page, then claim the benefit again."
            ),
        )
        return _claim_page(claim)
    if claim.status != ClaimStatus.DRAFT or not owner:
        messages.info(request, _("Only the enterprise changes its claim, while it is being filled in."))  # fmt: skip
        return _claim_page(claim)
    if request.method == "POST" and request.POST.get("remove"):
        item = claim.files.filter(pk=parse_id(request.POST["remove"])).first()
        if item is not None:
            services.claim_file_remove(actor=request.user, item=item)
            messages.success(request, _("File removed."))
        return redirect("policies:claim_edit", claim.pk)
    form = ClaimForm(
        request.POST or None,
        request.FILES or None,
        with_money=claim.benefit.has_money,
        initial={
            "statement": claim.statement,
            "requested": claim.requested_amount,
            "revision": claim.revision,
        },
    )
    error, status = "", 400
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # the text and the files together, or nothing
                saved = services.claim_update(
                    actor=request.user, claim=claim, revision=data.get("revision"),
                    statement=data["statement"], requested=data.get("requested"),
                )  # fmt: skip
                for upload in data["files"]:
                    services.claim_attach(actor=request.user, claim=saved, upload=upload)
        except UserError as exc:
            error, status = exc.message, exc.status
            claim = Claim.objects.select_related("benefit__policy__issuer").get(pk=claim.pk)
        else:
            messages.success(request, _("Claim saved."))
            return _claim_page(saved)
    elif request.method == "POST":
        error = form.error_sentence()
    return render(
        request,
        "policies/mine/claim_form.html",
        {
            "benefit": claim.benefit,
            "grant": grant_text(claim.benefit),
            "enterprise": claim.enterprise,
            "claim": claim,
            "files": claim.files.all(),
            "sent_back": sent_back_step(claim),
            "eligible": True,
            "amount": claim.computed_amount,
            "form": form,
            "error": error,
            "files_lost": bool(error and request.FILES),
        },
        status=status if error else 200,
    )
