"""The public page of random draws (双随机、一公开), open without login: the draws an office
has published, each with its seed and the number of candidates, the enterprises drawn, the
inspectors' names and the results as the inspections are recorded, and the record to re-run
it. Nothing else about anyone: no phone, no login name, no contact person."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fugong.inspections import draws
from fugong.inspections.draw_views import record_response
from fugong.inspections.models import Draw

PAGE = 10


def _shown(draw: Draw) -> dict:
    """Only public particulars, copied out so the template cannot reach anything else. Before
    the day of its inspections a draw shows no target, no seed (its record would give them)."""
    if not draws.revealed(draw):
        return {
            "pk": draw.pk, "number": draw.number, "place": draw.place.name,
            "date": draw.planned_for, "published_at": draw.published_at,
            "checklist": draw.template.name, "candidates": len(draw.candidates),
            "pool": len(draw.pool), "count": draw.target_count, "per_target": draw.per_target,
            "digest": draw.digest, "hidden": True, "targets": [],
        }  # fmt: skip
    picks = draws.picks_of(draw)
    names = draws.names_of(u for p in picks for u in p.inspectors)
    return {
        "pk": draw.pk,
        "number": draw.number,
        "place": draw.place.name,
        "date": draw.planned_for,
        "published_at": draw.published_at,
        "checklist": draw.template.name,
        "candidates": len(draw.candidates),
        "pool": len(draw.pool),
        "count": draw.target_count,
        "per_target": draw.per_target,
        "seed": draw.seed,
        "algorithm": draw.algorithm,
        "digest": draw.digest,
        "targets": [
            {
                "position": p.position,
                "enterprise": p.enterprise.name,
                "inspectors": [names.get(u, "") for u in p.inspectors],
                "outcome": draws.outcome(p.inspection),
            }
            for p in picks
        ],
    }


def _public(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
@never_cache  # results appear as inspections are recorded
def draw_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(draws.published_draws(), PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "draws": [_shown(d) for d in page],
        "withheld": draws.unpublished_draws().order_by("-drawn_at")[:50],
    }
    return _public(render(request, "inspections/draws/public_list.html", context))


def _published(pk: int) -> Draw:
    draw = draws.published_draws().filter(pk=pk).first()
    if draw is None:
        raise Http404
    return draw


@require_GET
@never_cache
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _published(pk)
    shown = _shown(draw)
    context = {"d": shown, "verification": None if shown.get("hidden") else draws.verify(draw)}
    return _public(render(request, "inspections/draws/public_detail.html", context))


@require_GET
@never_cache
def draw_record(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _published(pk)
    if not draws.revealed(draw):
        raise Http404
    return _public(record_response(draw))
