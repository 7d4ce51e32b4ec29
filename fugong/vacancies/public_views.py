"""The public job board (/open/jobs/, no login): the open vacancies of the enterprises that
allow it, newest first, searched by text or pinyin (``search``), filtered by place and
industry, a page at a time (``size + 1`` rows read, never a count of the table); and a page
per vacancy. What is shown is copied out of the rows: the post, the enterprise's name, the
place, pay, requirements and the contact the enterprise chose to publish, nothing else.

Odd input is read as nothing (a page that is not a number is the first; a place or an
industry not offered is ignored; a query is cut to its first terms): never a 500."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from fugong.core.ids import parse_id
from fugong.vacancies import search, selectors
from fugong.vacancies.choices import Education

PAGE = 20
MAX_PAGE = 200


def _public(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    return response


def _page_number(raw: str | None) -> int:
    try:
        number = int(str(raw or "1")[:6])
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


EDUCATION = dict(Education.choices)


def _shown(row: dict) -> dict:
    return {
        "pk": row["pk"],
        "post": row["post"],
        "enterprise": row["enterprise__name"],
        "place": f"{row['place__parent__name'] or ''}{row['place__name']}",
        "shortage": max(row["headcount"] - row["filled"], 0),
        "pay_min": row["pay_min"],
        "pay_max": row["pay_max"],
        "education": EDUCATION.get(row["education"], ""),
        "published_at": row["published_at"],
        "expires_on": row["expires_on"],
    }


@require_GET
def board(request: HttpRequest) -> HttpResponse:
    text = (request.GET.get("q") or "")[: search.MAX_QUERY]
    terms = search.query_terms(text)
    places = selectors.place_choices()
    place = parse_id(request.GET.get("place"))
    if place not in {pk for pk, _name in places}:
        place = None
    industries = selectors.industry_choices()
    industry = str(request.GET.get("industry") or "")[:4]
    if industry not in {code for code, _name in industries}:
        industry = ""
    number = _page_number(request.GET.get("page"))
    rows, more = selectors.board_page(
        terms=terms, place=place, industry=industry, page=number, size=PAGE
    )
    query = urlencode(
        {k: v for k, v in (("q", " ".join(terms)), ("place", place or ""), ("industry", industry)) if v}
    )  # fmt: skip
    context = {
        "rows": [_shown(r) for r in rows],
        "more": more and number < MAX_PAGE,
        "next": number + 1,
        "number": number,
        "q": text,
        "place": place,
        "industry": industry,
        "places": places,
        "industries": industries,
        "query": query,
    }
    if request.htmx and request.GET.get("more"):
        return _public(render(request, "vacancies/public/list.html#rows", context))
    return _public(render(request, "vacancies/public/list.html", context))


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    vacancy = selectors.board_get(pk)
    if vacancy is None:
        raise Http404
    e = vacancy.enterprise
    shown = {
        "post": vacancy.post,
        "enterprise": e.name,
        "industry": e.industry.name if e.industry_id else "",
        "place": f"{vacancy.place.parent.name if vacancy.place.parent_id else ''}"
        f"{vacancy.place.name}",
        "address": vacancy.address,
        "headcount": vacancy.headcount,
        "filled": vacancy.filled,
        "shortage": vacancy.shortage,
        "pay_min": vacancy.pay_min,
        "pay_max": vacancy.pay_max,
        "education": vacancy.get_education_display() if vacancy.education else "",
        "age_min": vacancy.age_min,
        "age_max": vacancy.age_max,
        "skills": vacancy.skills,
        "contact_name": vacancy.contact_name,
        "contact_phone": vacancy.contact_phone,
        "published_at": vacancy.published_at,
        "expires_on": vacancy.expires_on,
    }
    return _public(render(request, "vacancies/public/detail.html", {"v": shown}))
