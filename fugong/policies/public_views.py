"""The published policies, open without login (/open/policies/): each policy document with its
articles, the conditions of each in words and what it grants. Nothing about any enterprise:
not who is eligible, not how many, not who claimed or was paid. The particulars shown are
copied out of the rows so that the templates cannot reach anything else."""

from __future__ import annotations

import re

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fugong.accounts.models import Jurisdiction
from fugong.core.templatetags.fugong import yuan
from fugong.policies import rules, selectors
from fugong.policies.models import Benefit, Policy

PAGE = 20
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def formula_text(formula: str) -> str:
    """A formula in words: the enterprise's figures by their labels, × and ÷, “the lesser
    of” for min (``monthly_rent * 2`` → “月租金 × 2”); a constant is an amount (“50,000 元”)."""
    if constant := constant_amount(formula):
        return constant
    words = {
        "min": _("the lesser of"),
        "max": _("the greater of"),
        **{name: str(rules.FACTS[name].label) for name in rules.NUMERIC},
    }
    text = _NAME.sub(lambda m: words.get(m.group(0), m.group(0)), formula)
    return " ".join(text.replace("*", " × ").replace("/", " ÷ ").split())


def constant_amount(formula: str) -> str:
    """A formula that is only a number, as an amount in yuan; otherwise empty."""
    bare = (formula or "").strip().replace(",", "")
    if not re.fullmatch(r"\d+(\.\d+)?", bare):
        return ""
    return _("%(amount)s yuan") % {"amount": yuan(bare)}


def _places(benefits: list[Benefit]) -> dict[int, str]:
    ids = {
        i
        for b in benefits
        for c in b.conditions
        if rules.FACTS[c["fact"]].kind == rules.PLACE
        for i in c["value"]
    }
    if not ids:
        return {}
    return dict(Jurisdiction.objects.filter(pk__in=ids).values_list("pk", "name"))


def grant_text(benefit: Benefit) -> str:
    """What the article grants, in words: the formula and its cap, or that it is a measure
    without money."""
    if not benefit.formula:
        return _("A measure without money.")
    text = formula_text(benefit.formula)
    if benefit.cap is not None:
        text = _("%(formula)s, at most %(cap)s yuan") % {
            "formula": text,
            "cap": yuan(benefit.cap),
        }
    return text


def articles(policy: Policy) -> list[dict]:
    """The policy's benefits as public particulars."""
    benefits = list(selectors.benefits_of(policy))
    places = _places(benefits)
    return [
        {
            "pk": b.pk,
            "position": b.position,
            "title": b.title,
            "text": b.text,
            "conditions": [rules.condition_text(c, places) for c in b.conditions],
            "grant": grant_text(b),
            "has_money": b.has_money,
            "automatic": b.automatic,
            "needs_attachment": b.needs_attachment,
        }
        for b in benefits
    ]


def _shown(policy: Policy) -> dict:
    return {
        "pk": policy.pk,
        "title": policy.title,
        "short_name": policy.short_name,
        "document_number": policy.document_number,
        "issuer": policy.issuer.name,
        "office": policy.office.name if policy.office_id else "",
        "summary": policy.summary,
        "issued_on": policy.issued_on,
        "valid_until": policy.valid_until,
        "published_at": policy.published_at,
        "benefit_count": getattr(policy, "benefit_count", None),
    }


def _public(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def policy_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(
        selectors.public_policies().order_by("-issued_on", "-published_at", "-id"), PAGE
    ).get_page(request.GET.get("page"))
    context = {"page": page, "policies": [_shown(p) for p in page]}
    return _public(render(request, "policies/public/list.html", context))


@require_GET
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy = selectors.public_policies().filter(pk=pk).first()
    if policy is None:
        raise Http404
    context = {"p": _shown(policy), "articles": articles(policy)}
    return _public(render(request, "policies/public/detail.html", context))
