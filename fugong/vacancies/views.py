"""The vacancy database's pages for signed-in users: the list (government users: the
vacancies in their data scope, filtered by industry, place and status, with the shortage of
the open ones summed for the filter; enterprise users: their own) and a vacancy. Views check
input and read through the selectors (404 outside the user's scope); writes are in
``mine_views`` and go through the services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from fugong.accounts.models import Jurisdiction
from fugong.core.audit import history_display, history_for
from fugong.core.errors import NotAllowed
from fugong.core.permissions import general_refusal
from fugong.enterprises.models import Industry
from fugong.vacancies import selectors, services
from fugong.vacancies.forms import FilterForm
from fugong.vacancies.models import Vacancy

PAGE = 30


def _may_see_list(user) -> bool:
    return selectors.is_government(user) or bool(selectors.own_enterprise_ids(user))


def _places(user, qs) -> list[tuple[int, str]]:
    """The counties, towns and streets of the places of the vacancies the user sees (the
    filter's choices), kept a few minutes per user."""
    key = f"vacancies:places:{user.pk}"
    found = cache.get(key)
    if found is None:
        found = _places_of(qs)
        cache.set(key, found, selectors.CHOICES_SECONDS)
    return found


def _places_of(qs) -> list[tuple[int, str]]:
    paths = Jurisdiction.objects.filter(
        pk__in=qs.order_by().values("place_id").distinct()
    ).values_list("path", flat=True)
    wanted = set()
    for path in paths:
        wanted |= {path[:i] for i in range(1, len(path) + 1) if path[i - 1] == "/"}
    rows = Jurisdiction.objects.filter(path__in=wanted, depth__in=(2, 3)).order_by("path")
    return [(j.pk, "　" * (j.depth - 2) + j.name) for j in rows]


def _sections() -> list[tuple[str, str]]:
    return list(
        Industry.objects.filter(level="section").order_by("code").values_list("code", "name")
    )


def _figures(user):
    """The shortage of the user's whole reach from the statistics layer (the numbers the
    dashboard and the reports give), by place below it and by industry: the 人社局's
    office's place (its reach here, ``selectors.hr_paths``), else the user's topmost
    jurisdiction. None when there is no place to count over."""
    from fugong.accounts.selectors import jurisdiction_roots
    from fugong.stats import jobs as stats_jobs

    paths = selectors.hr_paths(user)
    if paths:
        node = Jurisdiction.objects.filter(path=paths[0]).first()
        reader = None  # the bureau's reach is its place, not a data scope
    else:
        roots = jurisdiction_roots(user=user)
        node, reader = (roots[0] if roots else None), user
    if node is None:
        return None
    figures = stats_jobs.compute(user=reader, node=node)
    return figures if figures.total.open else None


@login_required
def vacancy_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _may_see_list(user):
        raise NotAllowed(general_refusal())
    qs = selectors.vacancy_list(user)
    government = selectors.is_government(user)
    form = FilterForm(request.GET or None, industries=_sections(), places=_places(user, qs))
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    place = Jurisdiction.objects.filter(pk=data.get("place")).first() if data.get("place") else None
    qs = selectors.filtered(
        qs, industry=data.get("industry") or "", place=place, status=data.get("status") or "",
        text=data.get("q") or "",
    )  # fmt: skip
    page = Paginator(qs.select_related(services.PLACE_RELATED), PAGE).get_page(
        request.GET.get("page")
    )
    query = urlencode({k: v for k, v in data.items() if v not in (None, "")})
    return render(
        request,
        "vacancies/list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "totals": selectors.totals(qs, count=page.paginator.count),
            "figures": _figures(user) if government else None,
            "today": timezone.localdate(),
            "government": government,
            "may_write": selectors.writable_enterprises(user).exists(),
            "own": selectors.own_enterprise_ids(user),
            "may_post": bool(selectors.own_enterprise_ids(user))
            or selectors.posts_for_several(user),
        },
    )


def vacancy_in_scope(request: HttpRequest, pk: int) -> Vacancy:
    vacancy = (
        selectors.vacancy_list(request.user)
        .select_related("enterprise__jurisdiction", services.PLACE_RELATED, "created_by")
        .filter(pk=pk)
        .first()
    )
    if vacancy is None:
        raise Http404
    return vacancy


# Bookkeeping a reader of the history has no use for (the entry's time and actor are shown).
HISTORY_HIDDEN = frozenset(
    {"id", "created_at", "updated_at", "revision", "search_key", "industry_section"}
)


def _history(vacancy: Vacancy) -> list:
    shown = []
    for entry in history_display(Vacancy, history_for(vacancy)[:20]):
        entry.changes[:] = [c for c in entry.changes if c.name not in HISTORY_HIDDEN]
        shown.append(entry)
    return shown


@login_required
def vacancy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    vacancy = vacancy_in_scope(request, pk)
    return render(
        request,
        "vacancies/detail.html",
        {
            "v": vacancy,
            "today": timezone.localdate(),
            "may_write": selectors.may_write(request.user, vacancy.enterprise_id),
            "history": _history(vacancy),
        },
    )
