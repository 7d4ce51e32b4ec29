"""The enterprise ledger on the import engine (``fugong.core.imports``): its columns, the
credit code as natural key, the row check of ``io.RowChecker`` (the rules of the form and the
API) and ``services.enterprises_upsert`` to write. Registered from ``EnterprisesConfig.ready``.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.models import Jurisdiction
from fugong.core.bulk import rows_by_keys
from fugong.core.imports.registry import Committed, Importer
from fugong.core.jobs import JobError
from fugong.core.scope import get_scope, scoped
from fugong.core.tree import paths_to
from fugong.enterprises import permissions
from fugong.enterprises.columns import COLUMNS
from fugong.enterprises.forms import PLACE_LEVELS
from fugong.enterprises.io import KIND, RowChecker, place_gone, user_places
from fugong.enterprises.models import Enterprise
from fugong.enterprises.services import enterprises_upsert

# What ``RowChecker.check`` gives as model instances (``EnterpriseImporter.storable_many``).
_RELATIONS = ("jurisdiction", "industry", "park")

# More places than this (a county's administrators) and the form leaves out the grids.
MAX_PLACE_CHOICES = 3000


def _registered_outside_scope(user, codes: list[str]) -> set[str]:
    """The codes registered (meanwhile) where the user cannot change them."""
    if get_scope(user).everything:
        return set()
    existing = {
        r["credit_code"] for r in rows_by_keys(Enterprise, "credit_code", codes, ["credit_code"])
    }
    if not existing:
        return set()
    visible = set(
        scoped(Enterprise.objects.filter(credit_code__in=existing), user).values_list(
            "credit_code", flat=True
        )
    )
    return existing - visible


def _ancestors(path: str) -> list[str]:
    """The paths above ``path`` ("/a/b/c/" -> "/a/", "/a/b/"), top first."""
    return paths_to(path)[:-1]


class EnterpriseImporter(Importer):
    kind = KIND
    title = gettext_lazy("Import enterprises from Excel")
    columns = COLUMNS
    key = "credit_code"
    url_names = ("enterprises:import_upload", "enterprises:import", "enterprises:import_errors")
    help_template = "enterprises/_import_help.html"
    new_label = gettext_lazy("New enterprises")
    existing_label = gettext_lazy("Already registered")
    sample_fields = ("name", "credit_code", "jurisdiction")
    result_label = gettext_lazy("See the enterprises")

    def result_url(self) -> str:
        return reverse("enterprises:list") + "?sort=-updated_at"

    def may_import(self, user) -> bool:
        return permissions.can_import(user)

    def places(self, user) -> list[tuple[int, str]]:
        """The user's places, each named with the places above it from the town down
        ("光明街道 / 和平社区 (code)"): a county has many 和平社区."""
        places = list(
            user_places(user).order_by("path").values_list("pk", "name", "code", "level", "path")
        )
        if len(places) > MAX_PLACE_CHOICES:
            places = [p for p in places if p[3] != "grid"]
        names = {path: name for _pk, name, _code, _level, path in places}
        above = {p for *_rest, path in places for p in _ancestors(path)} - names.keys()
        if above:  # the town and village above a village's or grid's places
            names |= dict(
                Jurisdiction.objects.filter(path__in=above, level__in=PLACE_LEVELS).values_list(
                    "path", "name"
                )
            )

        def label(name: str, code: str, path: str) -> str:
            chain = [names[p] for p in _ancestors(path) if p in names]
            return f"{' / '.join([*chain, name])} ({code})"

        return [(pk, label(name, code, path)) for pk, name, code, _level, path in places]

    def default_place(self, user, places: list[tuple[int, str]]) -> int | None:
        """The user's own place, when their area is one place."""
        scope = get_scope(user)
        if len(scope.jurisdiction_paths) != 1 or scope.everything:
            return None
        own = (
            user_places(user)
            .filter(path=scope.jurisdiction_paths[0])
            .values_list("pk", flat=True)
            .first()
        )
        return own if own in dict(places) else None

    def office_key(self, user) -> str:
        """The uploader's area: the offices of one town share their mappings."""
        scope = get_scope(user)
        if scope.everything:
            return "everything"
        if scope.jurisdiction_paths:
            return "place:" + min(scope.jurisdiction_paths)  # whole: grids of one village differ
        if scope.park_office_ids:
            return f"park:{min(scope.park_office_ids)}"
        return f"user:{user.pk}"

    def checker(self, user, options: dict) -> RowChecker:
        return RowChecker(user, options)

    def sample(self, values: dict) -> dict[str, str]:
        return {k: str(v) for k, v in values.items() if k != "category_stated"}

    def storable_many(self, rows: list[dict]) -> list[dict]:
        """``storable`` of each row, knowing what ``RowChecker.check`` gives: plain values
        but for the place, park and industry, given as model instances (the generic
        ``storable`` tests the type of each of a row's values: 0.5 s for 100,000 rows)."""
        out = []
        for values in rows:
            row = values.copy()
            for name in _RELATIONS:
                if name in row:
                    row[f"{name}_id"] = row.pop(name).pk
            out.append(row)
        return out

    def before_commit(self, *, actor, options: dict) -> None:
        place = options.get("place")
        if place and not user_places(actor).filter(pk=place).exists():
            raise JobError(place_gone())

    def commit(
        self, *, actor, rows: list[dict], reason: str, options: dict, all_or_nothing: bool
    ) -> Committed:
        outside = _registered_outside_scope(actor, [r["credit_code"] for r in rows])
        if outside and all_or_nothing:
            raise JobError(
                _(
                    "Since the check, %(codes)s was registered under another jurisdiction, so "
                    "nothing was imported. Check the file again."
                )
                % {"codes": "、".join(sorted(outside)[:5])}
            )
        rows = [r for r in rows if r["credit_code"] not in outside]
        result = enterprises_upsert(actor=actor, rows=rows, reason=reason)
        return Committed(
            created=len(result.created),
            updated=len(result.updated),
            unchanged=result.unchanged,
            refused=sorted(outside),
        )
