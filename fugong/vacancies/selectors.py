"""What each reader sees of the vacancy database, always in their data scope.

- Government users (command, reviewer, department, cadre): the vacancies of the enterprises
  in their data scope (``Vacancy.scope_rules``); a member of a human resources and social
  security bureau (人社局, ``OfficeKind.HR``) also every vacancy of the enterprises in the
  bureau's place and below.
- Enterprise users: their own enterprise's vacancies only.
- The public: the board (``board_*``), open vacancies of enterprises that allow it, with no
  personal data but the contact the enterprise chose to publish.
"""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Greatest
from django.utils import timezone

from fugong.accounts.choices import OfficeKind, Role
from fugong.accounts.models import Jurisdiction
from fugong.accounts.selectors import active_memberships
from fugong.core.scope import get_scope, scope_q, subtree_q
from fugong.enterprises.models import Enterprise, Industry
from fugong.vacancies.choices import VacancyStatus
from fugong.vacancies.models import Vacancy
from fugong.vacancies.search import query_terms

GOVERNMENT = frozenset(
    {Role.PLATFORM_ADMIN, Role.COMMAND, Role.REVIEWER, Role.DEPARTMENT, Role.CADRE}
)


def is_government(user) -> bool:
    return getattr(user, "is_superuser", False) or any(
        m.role in GOVERNMENT for m in active_memberships(user)
    )


def own_enterprise_ids(user) -> list[int]:
    """The enterprises ``user`` belongs to as an enterprise user."""
    return sorted(
        {
            m.enterprise_id
            for m in active_memberships(user)
            if m.role == Role.ENTERPRISE and m.enterprise_id
        }
    )


def hr_paths(user) -> list[str]:
    """The places of the human resources bureaus ``user`` is a member of (人社局)."""
    return sorted(
        {
            m.office.jurisdiction.path
            for m in active_memberships(user)
            if m.role in (Role.DEPARTMENT, Role.REVIEWER, Role.COMMAND)
            and m.office_id
            and m.office.kind == OfficeKind.HR
            and m.office.is_active
        }
    )


def _hr_q(user, lookup: str) -> Q | None:
    paths = hr_paths(user)
    if not paths:
        return None
    q = Q(pk__in=[])
    for path in paths:
        q |= subtree_q(lookup, path)
    return q


def vacancy_list(user) -> QuerySet[Vacancy]:
    """The vacancies ``user`` sees, newest first."""
    q = scope_q(Vacancy, get_scope(user))
    hr = _hr_q(user, "enterprise__jurisdiction__path")
    qs = Vacancy.objects.all()
    if q is not None:
        qs = qs.filter(q | hr if hr is not None else q)
    return qs.select_related("enterprise", "place").order_by("-id")


def writable_enterprises(user) -> QuerySet[Enterprise]:
    """The enterprises whose vacancies ``user`` may write: its own (an enterprise user), those
    in the place of its human resources bureau, every one (the platform administrator)."""
    scope = get_scope(user)
    if scope.everything:
        return Enterprise.objects.all()
    q = Q(pk__in=own_enterprise_ids(user))
    hr = _hr_q(user, "jurisdiction__path")
    if hr is not None:
        q |= hr
    return Enterprise.objects.filter(q)


def posts_for_several(user) -> bool:
    """Whether ``user`` may post for more than one enterprise (the bureau, the platform
    administrator, a user of several enterprises): ``/vacancies/new/`` then asks which."""
    return bool(hr_paths(user)) or get_scope(user).everything or len(own_enterprise_ids(user)) > 1


CHOOSER_ROWS = 20


def enterprises_to_post_for(user, text: str) -> list[Enterprise]:
    """At most ``CHOOSER_ROWS`` + 1 of the enterprises ``user`` may write whose name holds
    ``text`` or whose credit code starts with it (the new vacancy's chooser)."""
    text = (text or "").strip()[:60]
    if not text:
        return []
    q = Q(name__icontains=text)
    if len(text) >= 4 and text.isascii():
        q |= Q(credit_code__startswith=text.upper())
    return list(
        writable_enterprises(user)
        .filter(q)
        .select_related("jurisdiction")
        .order_by("name", "pk")[: CHOOSER_ROWS + 1]
    )


def may_write(user, enterprise_id: int) -> bool:
    return writable_enterprises(user).filter(pk=enterprise_id).exists()


def open_q(today: datetime.date | None = None) -> Q:
    """Open on ``today``: published by its end and not expired (see the models' docstring).
    The one definition: the statistics layer counts the open vacancies with it too
    (``figures.py``), the board's index holds its columns."""
    today = today or timezone.localdate()
    tomorrow = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min)
    )
    return Q(status=VacancyStatus.PUBLISHED, published_at__lt=tomorrow, expires_on__gte=today)


def filtered(
    qs: QuerySet[Vacancy], *, industry: str = "", place: Jurisdiction | None = None,
    status: str = "", text: str = "",
) -> QuerySet[Vacancy]:  # fmt: skip
    """The government list's filters: the enterprise's industry section, the place's subtree,
    a status (``open`` too), a text in the post, the enterprise's name or the place, in
    characters or pinyin (the board's search key, ``search.query_terms``)."""
    if industry:
        qs = qs.filter(industry_section=industry)
    if place is not None:
        qs = qs.filter(subtree_q("place__path", place.path))
    if status == "open":
        qs = qs.filter(open_q())
    elif status == "expired":
        qs = qs.filter(status=VacancyStatus.PUBLISHED, expires_on__lt=timezone.localdate())
    elif status in VacancyStatus.values:
        qs = qs.filter(status=status)
    for term in query_terms(text):
        qs = qs.filter(search_key__contains=term)
    return qs


def totals(qs: QuerySet[Vacancy], *, count: int | None = None) -> dict:
    """The vacancies of ``qs`` (``count`` when the caller counted them already) and, of the
    open ones, the people needed, filled and the shortage (空岗 = needed - filled)."""
    open_ = qs.filter(open_q()).order_by()
    sums = open_.aggregate(
        n_open=Count("pk"),
        n_headcount=Sum("headcount"),
        n_filled=Sum("filled"),
        n_shortage=Sum(Greatest(F("headcount") - F("filled"), 0)),
    )
    out = {k.removeprefix("n_"): v or 0 for k, v in sums.items()}
    out["all"] = qs.order_by().count() if count is None else count
    return out


# --- the public board ------------------------------------------------------------------------

BOARD_FIELDS = (
    "pk", "post", "headcount", "filled", "pay_min", "pay_max", "published_at", "expires_on",
    "education", "enterprise__name", "place__name", "place__parent__name",
)  # fmt: skip
CHOICES_SECONDS = 300


def board(today: datetime.date | None = None) -> QuerySet[Vacancy]:
    """The vacancies on the public board (open, of enterprises that allow it, not filled
    yet: a job seeker has nothing to apply for in a post filled), newest first. The index
    ``vacancy_board`` serves the filter and the order."""
    return Vacancy.objects.filter(open_q(today), listed=True, filled__lt=F("headcount")).order_by(
        "-published_at", "-id"
    )


def board_page(
    *, terms: list[str], place: int | None, industry: str, page: int, size: int
) -> tuple[list[dict], bool]:
    """One page of the board: the rows shown (plain values) and whether there are more. One
    query of ``size + 1`` rows; no count of the whole table."""
    qs = board()
    for term in terms:
        qs = qs.filter(search_key__contains=term)
    if industry:
        qs = qs.filter(industry_section=industry)
    if place is not None:
        path = place_path(place)
        if path is None:
            return [], False
        # "place_id + 0": not a column an index on the place can serve, so the planner walks
        # the board's index newest first (a page is its first matching rows) instead of
        # reading every vacancy of the place through the place's index and sorting them.
        subtree = Jurisdiction.objects.filter(path__startswith=path).values("pk")
        qs = qs.alias(board_place=ExpressionWrapper(F("place_id") + 0, BigIntegerField()))
        qs = qs.filter(board_place__in=subtree)
    start = (page - 1) * size
    rows = list(qs.values(*BOARD_FIELDS)[start : start + size + 1])
    return rows[:size], len(rows) > size


def board_get(pk: int) -> Vacancy | None:
    return (
        board()
        .select_related("enterprise", "place__parent", "enterprise__industry")
        .filter(pk=pk)
        .first()
    )


def place_path(pk: int) -> str | None:
    return dict(place_choices_with_paths()).get(pk, (None, None))[1] if pk else None


def place_choices_with_paths() -> list[tuple[int, tuple[str, str]]]:
    """The places to filter the board by: every county, town and street with an open vacancy
    in it or below, as (id, (indented name, path)); cached for a few minutes."""
    key = "vacancies:board:places"
    found = cache.get(key)
    if found is None:
        paths = set(
            Jurisdiction.objects.filter(
                pk__in=board().order_by().values("place_id").distinct()
            ).values_list("path", flat=True)
        )
        wanted = set()
        for path in paths:
            wanted |= {path[:i] for i in range(1, len(path) + 1) if path[i - 1] == "/"}
            wanted.add(path)
        rows = Jurisdiction.objects.filter(path__in=wanted, depth__in=(2, 3)).order_by("path")
        found = [(j.pk, ("　" * (j.depth - 2) + j.name, j.path)) for j in rows]
        cache.set(key, found, CHOICES_SECONDS)
    return found


def place_choices() -> list[tuple[int, str]]:
    return [(pk, name) for pk, (name, _path) in place_choices_with_paths()]


def industry_choices() -> list[tuple[str, str]]:
    """The industry sections (GB/T 4754 门类) with an open vacancy, cached."""
    key = "vacancies:board:industries"
    found = cache.get(key)
    if found is None:
        used = set(board().order_by().values_list("industry_section", flat=True).distinct())
        found = list(
            Industry.objects.filter(level="section", code__in=used)
            .order_by("code")
            .values_list("code", "name")
        )
        cache.set(key, found, CHOICES_SECONDS)
    return found


def forget_choices() -> None:
    """After a write that may add a place or an industry to the board."""
    cache.delete_many(["vacancies:board:places", "vacancies:board:industries"])


def enterprise_section(enterprise: Enterprise) -> str:
    industry = enterprise.industry
    if industry is None:
        return ""
    return industry.section_code
