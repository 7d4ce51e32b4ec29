"""The office's pages of random draws (双随机): the list, the draw form (with a count of the
candidates before drawing), a draw with its verification, publishing, and the record as
JSON. Every read is scoped; every write is one service of ``fugong.inspections.draws``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.core.errors import UserError
from fugong.core.scope import get_scope
from fugong.inspections import draws
from fugong.inspections.draw_forms import DrawForm
from fugong.inspections.models import Draw

PAGE = 30


def _draw(request: HttpRequest, pk: int) -> Draw:
    draw = draws.draws_in_scope(request.user).filter(pk=pk).first()
    if draw is None:
        raise Http404
    return draw


@login_required
def draw_list(request: HttpRequest) -> HttpResponse:
    may_draw = draws.may_draw(request.user)
    qs = draws.draws_in_scope(request.user)
    if not (may_draw or get_scope(request.user).everything or qs.exists()):
        raise PermissionDenied(_("Random draws are made by command offices and reviewing offices."))
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(request, "inspections/draws/list.html", {"page": page, "may_draw": may_draw})


@login_required
def draw_new(request: HttpRequest) -> HttpResponse:
    """The form; "Count the candidates" shows how many enterprises the filter keeps and how
    many inspectors the pool holds, without drawing."""
    if not draws.may_draw(request.user):
        raise PermissionDenied(_("Random draws are made by command offices and reviewing offices."))
    form = DrawForm(request.POST or None, actor=request.user)
    context: dict = {"form": form}
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        elif "preview" in request.POST:
            data = form.cleaned_data
            context["preview"] = {
                "candidates": draws.candidates_of(
                    place=data["place"], criteria=form.criteria()
                ).count(),
                "pool": len(data["pool"]),
            }
        else:
            data = form.cleaned_data
            try:
                draw = draws.draw_make(
                    actor=request.user,
                    place=data["place"],
                    template=data["template"],
                    date=data["date"],
                    count=data["count"],
                    per_target=data["per_target"],
                    inspectors=data["pool"],
                    criteria=form.criteria(),
                )
            except UserError as exc:
                context["error"] = exc.message
                status = exc.status
            else:
                messages.success(request, _("Drawn: %(number)s.") % {"number": draw.number})
                return redirect("inspections:draws:detail", pk=draw.pk)
    return render(request, "inspections/draws/new.html", context, status=status)


@login_required
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _draw(request, pk)
    picks = draws.picks_of(draw)
    names = draws.names_of(u for p in picks for u in p.inspectors)
    rows = [
        {
            "pick": p,
            "team": [names.get(u, "") for u in p.inspectors],
            "outcome": draws.outcome(p.inspection),
        }
        for p in picks
    ]
    context = {
        "draw": draw,
        "rows": rows,
        "verification": draws.verify(draw),
        "may_publish": draw.published_at is None and draws.may_manage(request.user, draw),
        "conflicts": sum(len(v) for v in draw.conflicts.values()),
    }
    return render(request, "inspections/draws/detail.html", context)


@login_required
@require_POST
def draw_publish(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _draw(request, pk)
    draws.draw_publish(actor=request.user, draw=draw)
    messages.success(request, _("Published: the draw and its results are on the public page."))
    return redirect("inspections:draws:detail", pk=draw.pk)


@login_required
def draw_record(request: HttpRequest, pk: int) -> JsonResponse:
    """The record to re-run the draw with (the same as the public page gives once published)."""
    draw = _draw(request, pk)
    return record_response(draw)


def record_response(draw: Draw) -> JsonResponse:
    body = draws.record_of(draw)
    body["digest"] = draw.digest
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="draw-{draw.pk}.json"'
    return response
