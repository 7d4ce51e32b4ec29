"""Excel in and out for the enterprise ledger.

Export writes the columns of fugong.enterprises.columns under a line naming who exported and
when; import reads the same columns (and the synonyms offices use), so an export imports back
unchanged. The import runs on the import engine (``fugong.core.imports``): this module keeps
the row check (``RowChecker``, the rules of the form and the API) that the enterprise importer
(``fugong.enterprises.importer``) gives the engine.
"""

from __future__ import annotations

import functools
import re
import tempfile
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fugong.accounts.models import Jurisdiction, phone_validator
from fugong.core.bulk import rows_by_keys
from fugong.core.imports import services as imports
from fugong.core.imports.registry import RowCheck
from fugong.core.jobs import JobContext, job_handler
from fugong.core.masking import mask_phone
from fugong.core.scope import get_scope, scoped
from fugong.core.tabular import SourceRow, TabularError
from fugong.core.text import clean_text
from fugong.core.xlsx import XlsxStreamWriter
from fugong.enterprises import permissions, rules
from fugong.enterprises.choices import CATEGORY_NAMES, LEDGER_NAMES, TIER_NAMES
from fugong.enterprises.columns import BY_FIELD, COLUMNS
from fugong.enterprises.forms import PLACE_LEVELS
from fugong.enterprises.models import Enterprise, Industry, Park, validate_credit_code
from fugong.enterprises.selectors import enterprise_filtered
from fugong.enterprises.services import _Places, derived_fields
from fugong.stats.locks import LockBook

YES, NO = "是", "否"
BOOL_FIELDS = (
    "closed_management",
    "has_canteen",
    "has_dormitory",
    "has_commuter_bus",
    "has_isolation_room",
)


# ----------------------------------------------------------------------------------- export


def watermark(user) -> str:
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    return _("Exported by %(user)s (%(username)s) at %(time)s from the resumption platform") % {
        "user": user.display_name,
        "username": user.username,
        "time": stamp,
    }


# What an export reads from the database, in column order (values, not model instances: an
# export of 100,000 rows must not build 400,000 objects).
EXPORT_VALUES = [
    "name", "credit_code", "jurisdiction__code", "jurisdiction__name", "park__name", "address",
    "legal_representative", "contact_name", "contact_phone", "industry__code", "industry__name",
    "category", "employee_count", "revenue_last_year", "tax_paid_last_year", "tier", "ledger",
    "resumed_on", "returned_count", *BOOL_FIELDS, "remarks",
]  # fmt: skip
_PHONE = EXPORT_VALUES.index("contact_phone")
_NAMES = {
    EXPORT_VALUES.index("category"): {k: v[0] for k, v in CATEGORY_NAMES.items()},
    EXPORT_VALUES.index("tier"): {k: v[0] for k, v in TIER_NAMES.items()},
    EXPORT_VALUES.index("ledger"): {k: v[0] for k, v in LEDGER_NAMES.items()},
}
_BOOLS = [EXPORT_VALUES.index(name) for name in BOOL_FIELDS]


def export_row(values: tuple, *, full_phone: bool) -> list:
    """One exported line from the EXPORT_VALUES of an enterprise, as the import reads it."""
    row = list(values)
    for index, names in _NAMES.items():
        row[index] = names.get(row[index], "")
    for index in _BOOLS:
        row[index] = YES if row[index] else NO
    if not full_phone:
        row[_PHONE] = mask_phone(row[_PHONE])
    return row


@job_handler("enterprises.export", atomic=False)
def export_enterprises(ctx: JobContext) -> dict:
    """The user's filtered list as xlsx, streamed row by row into a temporary file (memory does
    not grow with the rows), under a line naming who exported it and when. The Job row is the
    export log: who, when, which filters, how many rows."""
    user = ctx.user
    data = QueryDict(mutable=True)
    for key, values in ctx.params.items():
        data.setlist(key, values if isinstance(values, list) else [values])
    qs, _filterset = enterprise_filtered(user=user, data=data)
    total = qs.count()
    ctx.progress(0, total)
    full_phone = permissions.can_edit(user)
    with tempfile.TemporaryFile() as out:
        sheet = XlsxStreamWriter(out, sheet_name="企业台账")
        sheet.append([watermark(user)])
        sheet.append([c.label for c in COLUMNS])
        for i, values in enumerate(
            qs.values_list(*EXPORT_VALUES).iterator(chunk_size=5000), start=1
        ):
            sheet.append(export_row(values, full_phone=full_phone))
            if i % 5000 == 0:
                ctx.progress(i)
        sheet.close()
        out.seek(0)
        ctx.save_file(f"enterprises-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx", out)
    ctx.progress(total)
    ctx.message(
        ngettext("%(n)d enterprise exported.", "%(n)d enterprises exported.", total) % {"n": total}
    )
    return {"rows": total}


# ----------------------------------------------------------------------------------- import


@functools.lru_cache(maxsize=4096)
def _key(text: str) -> str:
    """How names are compared (ledger and category names, places, parks, industries)."""
    return clean_text(text, 100).replace(" ", "").lower()


def _lookup(names: dict[str, tuple[str, ...]]) -> dict[str, str]:
    # Plain text, not the choice's member: what is compared, set aside (``storable``) and
    # written as it is.
    return {_key(name): str(value) for value, spellings in names.items() for name in spellings}


CATEGORY_LOOKUP = _lookup(CATEGORY_NAMES)
LEDGER_LOOKUP = _lookup(LEDGER_NAMES)
TIER_LOOKUP = _lookup(TIER_NAMES)
# The fields whose converted value is stored as it is (``RowChecker.unchanged``).
_AS_STORED = frozenset({*rules.PEOPLE, "resumed_on", *BOOL_FIELDS})
_LOOKUPS = {"category": CATEGORY_LOOKUP, "ledger": LEDGER_LOOKUP, "tier": TIER_LOOKUP}


# How ``RowChecker.unchanged`` compares each field a row gives: as stored, as text cut to
# the field's length, through a look-up, not at all (the key), as an amount, by the place's
# code, by the industry's columns; any other field through ``RowChecker._same``.
_STORED, _TEXT, _LOOKUP, _KEY, _AMOUNT, _PLACE, _INDUSTRY = range(7)
_COMPARED = {
    **dict.fromkeys(_AS_STORED, _STORED),
    **dict.fromkeys(("name", "address", "legal_representative", "contact_name", "remarks"), _TEXT),
    **dict.fromkeys(_LOOKUPS, _LOOKUP),
    "credit_code": _KEY,
    **dict.fromkeys(rules.AMOUNTS, _AMOUNT),
    "jurisdiction_code": _PLACE,
    "industry_code": _INDUSTRY,
    "industry_name": _INDUSTRY,
}

_CENT = Decimal("0.01")

# The phone validator's own pattern, compiled here: a row's phone is checked by one search,
# not through the validator's lazily compiled pattern (100,000 rows: 0.15 s of CPU).
_PHONE_RE = re.compile(phone_validator.regex.pattern, phone_validator.regex.flags)


def check_phone(text: str) -> None:
    """``phone_validator(text)``: a phone it refuses still goes through it (its message)."""
    if phone_validator.inverse_match or not _PHONE_RE.search(text):
        phone_validator(text)


_EARLIEST = rules.EARLIEST_RESUMPTION
_LIMIT = rules.AMOUNT_LIMIT


def rules_pass(values: dict, today) -> bool:
    """True when ``rules.row_problems(values, changed=…, today=today)`` is empty whatever is
    changed: numbers of people not negative, fewer back than employed, amounts plausible, a
    resumption date from 2000 to today (the usual stored or imported row, told in a few
    comparisons). False says nothing: ``row_problems`` then decides."""
    employees = values.get("employee_count")
    returned = values.get("returned_count")
    if employees is not None and (type(employees) is not int or employees < 0):
        return False
    if returned is not None and (
        type(returned) is not int
        or returned < 0
        or (employees is not None and returned > employees)
    ):
        return False
    for name in rules.AMOUNTS:
        amount = values.get(name)
        if amount is not None and (
            type(amount) is not Decimal or not amount.is_finite() or not 0 <= amount < _LIMIT
        ):
            return False
    day = values.get("resumed_on")
    return day is None or (type(day) is date and _EARLIEST <= day <= today)


def join_sentences(messages: list[str]) -> str:
    """One line of a row's problems: "…网格；台账类别…。", not "…网格。；台账类别…"."""
    return "；".join([m.rstrip("。.") for m in messages[:-1]] + messages[-1:])


def user_places(user):
    """The places (town, village, community, grid) in the user's area: where the rows of the
    user's files may go."""
    return scoped(Jurisdiction.objects.filter(level__in=PLACE_LEVELS), user)


def place_gone() -> str:
    return _(
        "The place chosen for the rows without one is no longer in your area; upload the file "
        "again and choose another."
    )


# A division as offices write it: a code (22, C22, 3411 for its class), with or without its
# name after it ("34 通用设备制造业", "C34通用设备制造业"); compared on ``_key`` (no spaces).
_INDUSTRY_RE = re.compile(r"([a-t])?(\d{1,4})(?!\d)[-—.、:：]?(.*)")


class Industries:
    """The GB/T 4754-2017 divisions, found from what a 行业代码 or 所属行业 cell holds."""

    def __init__(self):
        divisions = list(Industry.objects.filter(level="division").select_related("parent"))
        self.by_code = {i.code: i for i in divisions}
        self.by_name = {_key(i.name): i for i in divisions}
        self.found: dict[str, Industry | None] = {}
        self.names: dict[str, Industry | None] = {}

    def find(self, text: str) -> Industry | None:
        if text not in self.found:
            self.found[text] = self._find(_key(text))
        return self.found[text]

    def named(self, text: str) -> Industry | None:
        """The division whose name ``text`` gives, alone or after a code (None: no division
        name, e.g. a code alone or a class's name)."""
        if text not in self.names:
            key = _key(text)
            m = _INDUSTRY_RE.fullmatch(key)
            self.names[text] = self.by_name.get(m[3] if m else key)
        return self.names[text]

    def _find(self, key: str) -> Industry | None:
        m = _INDUSTRY_RE.fullmatch(key)
        if m is None:
            return self.by_name.get(key)
        digits = m[2]
        # 2 digits: the division; 3 or 4: a group or class, whose first two are its division.
        division = self.by_code.get(digits.zfill(2) if len(digits) < 2 else digits[:2])
        if division is None or (m[1] and division.parent.code.lower() != m[1]):
            return None
        return division


class RowChecker(RowCheck):
    """Turns a source row into upsert values for one user, or says what is wrong with it.
    The row rules are those of the form and the API (fugong.enterprises.rules), and so are
    the fields the user's roles may change (permissions.refused_fields). ``options`` are the
    batch's: ``place``, where new enterprises without a place column go."""

    # What ``check`` reads of a stored enterprise (``existing``).
    EXISTING = [
        "credit_code", "employee_count", "returned_count", "jurisdiction_id", "resumed_on",
        "ledger", "tier", "category", "industry_id", "park_id", "revenue_last_year",
        "tax_paid_last_year",
        # What ``unchanged`` compares besides: the other fields a row may give, and the
        # stored derived values (category, key enterprise) the upsert would recompute.
        "name", "address", "legal_representative", "contact_name", "contact_phone", "remarks",
        *BOOL_FIELDS, "category_overridden", "is_key", "is_key_overridden",
    ]  # fmt: skip
    # What every row needs of a stored enterprise (the rules, its place, the derived values);
    # the others of EXISTING are read when the file has their column (``given``).
    ALWAYS = frozenset(
        {
            "credit_code", *rules.RULE_FIELDS, "jurisdiction_id", "industry_id", "category",
            "category_overridden", "is_key", "is_key_overridden",
        }
    )  # fmt: skip
    # The stored column of a field whose name differs from it.
    STORED_AS = {"park": "park_id"}
    TEXTS = {
        name: Enterprise._meta.get_field(name).max_length
        for name in ("name", "address", "legal_representative", "contact_name", "remarks")
    }
    # The column that names each field the user may not change.
    FIELD_COLUMNS = {"jurisdiction": "jurisdiction_code", "industry": "industry_code"}

    def __init__(self, user, options: dict | None = None):
        self.user = user
        self.scope = get_scope(user)
        parks = list(scoped(Park.objects.select_related("jurisdiction"), user))
        places = list(user_places(user))
        self.offers_places = bool(places)  # the upload form's 导入到 (importer.places)
        by_id = {j.pk: j for j in places}
        places += [p.jurisdiction for p in parks if p.jurisdiction not in places]  # park operators
        self.places_by_code = {j.code: j for j in places}
        # Place code -> id, and whether a place may be named without a park
        # (``allowed_place``), by id: ``unchanged`` compares every row's place.
        self.place_ids = {code: j.pk for code, j in self.places_by_code.items()}
        self.allowed_ids = {j.pk for j in places if self.allowed_place(j, None)}
        self.places_by_name: dict[str, list[Jurisdiction]] = {}
        for j in places:
            self.places_by_name.setdefault(_key(j.name), []).append(j)
        self.parks: dict[str, list[Park]] = {}
        for park in parks:
            self.parks.setdefault(_key(park.name), []).append(park)
        self.industries = Industries()
        self.industries_by_id = {i.pk: i for i in self.industries.by_code.values()}
        self.thresholds = _Places()  # the key-enterprise threshold of each stored place
        self.existing_columns = self.EXISTING  # all of them, unless told (``given``)
        self.seen: dict[str, int] = {}
        self.rounded: dict[Decimal, Decimal] = {}  # amounts rounded to the cent (``cents``)
        self.industry_ids: dict[tuple, int | None] = {}  # ``_industry_id``
        # What ``derived_fields`` gave for each set of inputs (``derived_kept``).
        self.derived_categories: dict[tuple, dict] = {}
        self.derived_keys: dict[tuple, bool] = {}
        self.today = timezone.localdate()
        # Submitted days: a row may not move a resumption date into or out of one.
        self.locks = LockBook.load()
        self.paths: dict[int, str] = {}
        self.stored_places: dict[int, Jurisdiction | None] = {}
        self.visible: set[str] = set()
        # The fields the user's roles may not change (permissions.refused_fields), once.
        self.refused = permissions.refused_fields(user, permissions.FIELD_WRITERS)
        chosen = (options or {}).get("place")
        self.place = by_id.get(chosen) if chosen else None
        if chosen and self.place is None:
            raise TabularError(place_gone())

    def cents(self, amount) -> Decimal:
        """``amount`` rounded to the cent, as stored. An amount met before gives the Decimal
        it gave then (one object: the checked rows' pickle holds it once)."""
        rounded = self.rounded.get(amount)
        if rounded is None:
            rounded = Decimal(amount).quantize(_CENT)
            if amount:  # 0 and -0 are one key but not one Decimal
                if len(self.rounded) >= 10_000:
                    self.rounded.clear()
                self.rounded[amount] = rounded
        return rounded

    def given(self, fields) -> None:
        """Read of the stored enterprises only what every row needs and the columns of the
        fields the file gives (a file of 14 columns: 18 of the 26)."""
        wanted = {self.STORED_AS.get(name, name) for name in fields}
        self.existing_columns = [
            name for name in self.EXISTING if name in self.ALWAYS or name in wanted
        ]

    def load(self, keys) -> dict[str, dict]:
        """The stored enterprises of a chunk's credit codes, which of them the user sees,
        and (when some day is locked) their places' paths: a few queries per chunk."""
        existing = {
            e["credit_code"]: e
            for e in rows_by_keys(Enterprise, "credit_code", keys, self.existing_columns)
        }
        self.load_paths({e["jurisdiction_id"] for e in existing.values()})
        self.thresholds.load({e["jurisdiction_id"] for e in existing.values()})
        if self.scope.everything or not existing:
            self.visible = set(existing)
        else:
            self.visible = set(
                scoped(
                    Enterprise.objects.filter(credit_code__in=list(existing)), self.user
                ).values_list("credit_code", flat=True)
            )
        return existing

    def load_paths(self, jurisdiction_ids: set[int]) -> None:
        """The paths of the stored enterprises' jurisdictions, when some day is locked."""
        missing = jurisdiction_ids - self.paths.keys()
        if self.locks.locks and missing:
            self.paths.update(Jurisdiction.objects.filter(pk__in=missing).values_list("pk", "path"))

    def lock_violation(self, out: dict, existing: dict | None) -> str | None:
        """What ``enterprises_upsert`` would refuse for this row: a sentence naming the
        submitted day it would change, or None."""
        if not self.locks.locks:
            return None
        old_path = self.paths.get(existing["jurisdiction_id"]) if existing else None
        old_date = existing["resumed_on"] if existing else None
        place = out.get("jurisdiction")
        return self.locks.move_violation(
            old_path=old_path,
            old_date=old_date,
            new_path=place.path if place is not None else old_path,
            new_date=out.get("resumed_on", old_date),
        )

    def stored_place(self, existing: dict | None) -> Jurisdiction | None:
        """The place a stored enterprise is registered in, when it is outside the user's places
        (a park operator's tenant sits in a grid of the town): a row may name it unchanged."""
        if existing is None or existing.get("jurisdiction_id") is None:
            return None
        pk = existing["jurisdiction_id"]
        if pk not in self.stored_places:
            self.stored_places[pk] = Jurisdiction.objects.filter(pk=pk).first()
        return self.stored_places[pk]

    def check_rights(self, out: dict, existing: dict | None, fail) -> None:
        """Refuse the columns that would change a field the user's roles may not change
        (a new enterprise may be given its code and place: the place checks cover those)."""
        if not self.refused:
            return  # the user may change every field (the usual importer)
        if existing is None:
            asked = set(out) - {"credit_code", "jurisdiction", "park"}
        else:
            asked = set()
            for name, value in out.items():
                stored = existing.get(f"{name}_id", existing.get(name))
                if getattr(value, "pk", value) != stored:
                    asked.add(name)
        for name in (n for n in self.refused if n in asked):
            fail(
                self.FIELD_COLUMNS.get(name, name),
                _("you may not change this column; your command office changes it."),
            )

    def allowed_place(self, jurisdiction: Jurisdiction | None, park: Park | None) -> bool:
        if self.scope.everything:
            return True
        if jurisdiction is not None and any(
            jurisdiction.path.startswith(p) for p in self.scope.jurisdiction_paths
        ):
            return True
        return park is not None and park.operator_id in self.scope.park_office_ids

    def check_industry(self, v: dict, fail) -> Industry | None:
        """The division the 行业代码 column (else 所属行业) gives; a division name given with
        it (in the same cell, or in 所属行业) that is another division's refuses the row."""
        given = [(c, str(v[c])) for c in ("industry_code", "industry_name") if v.get(c)]
        if not given:
            return None
        column, text = given[0]
        industry = self.industries.find(text)
        if industry is None:
            fail(
                column,
                _("“%(value)s” is not a GB/T 4754-2017 division code or name.") % {"value": text},
            )
            return None
        for other, other_text in given:
            named = self.industries.named(other_text)
            if named is None or named == industry:
                continue
            if other == column:
                fail(
                    column,
                    _(
                        "“%(value)s” gives the code of %(division)s but the name of another "
                        "division, %(other)s; correct one of them."
                    )
                    % {"value": text, "division": industry, "other": named},
                )
            else:
                fail(
                    column,
                    _(
                        "“%(value)s” is %(division)s, but %(column)s says “%(other_value)s”, "
                        "another division (%(other)s); correct one of them."
                    )
                    % {
                        "value": text,
                        "division": industry,
                        "column": BY_FIELD[other].label,
                        "other_value": other_text,
                        "other": named,
                    },
                )
            return None
        return industry

    def unchanged(self, row: SourceRow, existing: dict) -> bool:
        """True when the row would change nothing of the stored enterprise ``existing`` that
        the user sees: every value it gives, once converted, equals the stored one, and the
        stored derived values are what the upsert would derive again. Such a row passes
        ``check`` whatever it is (no rule or refused field is changed, no date moves): the
        engine counts it as unchanged without checking or writing it. False sends the row to
        ``check`` (a duplicate credit code, a value that differs, anything not compared here
        cheaply). Its credit code counts as seen, as ``check`` would count it."""
        v = row.values
        code = v.get("credit_code")
        if row.errors or code in self.seen or code not in self.visible:
            return False
        texts = self.TEXTS  # name, address, …: compared as ``check`` cuts them
        compared = _COMPARED
        for name, value in v.items():
            if value is None or value == "":
                continue  # an empty cell leaves the field alone
            how = compared.get(name)
            if how == _STORED:  # the most frequent columns first, compared inline
                if value != existing[name]:
                    return False
            elif how == _TEXT:
                if str(value)[: texts[name]] != existing[name]:
                    return False
            elif how == _LOOKUP:
                if _LOOKUPS[name].get(_key(value)) != existing[name]:
                    return False
            elif how == _KEY:
                pass  # found by it
            elif how == _AMOUNT and value == existing[name]:
                pass  # equal as numbers: the rules check the stored amount below
            elif how == _PLACE and not v.get("park"):
                place_id = self.place_ids.get(value)
                if place_id != existing["jurisdiction_id"] or place_id not in self.allowed_ids:
                    return False
            elif how == _INDUSTRY:
                if self._industry_id(v) != existing["industry_id"]:
                    return False
            elif not self._same(name, value, v, existing):
                return False
        if not rules_pass(existing, self.today):
            given = {name for name in rules.RULE_FIELDS if v.get(name) is not None}
            if rules.row_problems(existing, changed=given, today=self.today):
                return False  # a stored value a rule refuses: ``check`` says so
        try:
            validate_credit_code(code)
        except ValidationError:
            return False
        industry_id = existing["industry_id"]
        if industry_id is not None and industry_id not in self.industries_by_id:
            return False  # stored with an industry that is no division: ``check`` decides
        if not self.derived_kept(existing, bool(v.get("category"))):
            return False  # the upsert would correct the stored derived values
        self.seen[code] = row.number
        return True

    def derived_kept(self, existing: dict, stated: bool) -> bool:
        """Whether the stored derived values (category, key enterprise) of ``existing`` are
        those ``derived_fields`` gives it again (``stated``: the row gives a category). The
        category depends on the industry, revenue and category as stored, the key flag on
        the tax paid and the place's threshold: each part is derived once per distinct set
        of its inputs (a ledger's 100,000 rows have a few thousand)."""
        category_of = (
            existing["industry_id"],
            existing["revenue_last_year"],
            existing["category"],
            existing["category_overridden"],
            stated,
        )
        category = self.derived_categories.get(category_of)
        if category is None:
            if len(self.derived_categories) >= 50_000:
                self.derived_categories.clear()
            industry_id, revenue, given, overridden, _stated = category_of
            # Without the key flag (is_key_overridden): derived below, apart.
            category = self.derived_categories[category_of] = derived_fields(
                {
                    "industry": self.industries_by_id.get(industry_id),
                    "revenue_last_year": revenue,
                    "category": given,
                    "category_overridden": overridden,
                    "category_stated": stated,
                    "is_key_overridden": True,
                },
                threshold=None,
            )
        if any(existing.get(name) != value for name, value in category.items()):
            return False
        if existing["is_key_overridden"]:
            return True
        threshold = self.thresholds.threshold(existing["jurisdiction_id"])
        key_of = (existing["tax_paid_last_year"], threshold)
        is_key = self.derived_keys.get(key_of)
        if is_key is None:
            if len(self.derived_keys) >= 50_000:
                self.derived_keys.clear()
            is_key = self.derived_keys[key_of] = derived_fields(
                {"tax_paid_last_year": key_of[0], "category_overridden": True},
                threshold=threshold,
            )["is_key"]
        return existing.get("is_key") == is_key

    def _industry_id(self, v: dict) -> int | None:
        """The id of the division the row's industry columns give without a problem
        (``check_industry``), or None; once per distinct pair of cells."""
        given = (v.get("industry_code"), v.get("industry_name"))
        found = self.industry_ids.get(given, self.industry_ids)
        if found is self.industry_ids:
            problems: list[tuple] = []
            industry = self.check_industry(v, lambda *args: problems.append(args))
            found = industry.pk if industry is not None and not problems else None
            if len(self.industry_ids) >= 10_000:
                self.industry_ids.clear()
            self.industry_ids[given] = found
        return found

    def _same(self, name: str, value, v: dict, existing: dict) -> bool:
        """Whether the given ``value`` of field ``name`` converts to the stored one."""
        if name == "contact_phone":
            phone = str(value)
            if "*" in phone:
                return True  # a masked phone from an export means "unchanged"
            if phone != existing["contact_phone"]:
                return False
            try:
                check_phone(phone)
            except ValidationError:
                return False
            return True
        if name == "jurisdiction_code" or name == "jurisdiction_name":
            if name == "jurisdiction_name" and v.get("jurisdiction_code"):
                return True  # the code decides
            place = self._place(v)
            park = self._park(v["park"], v) if v.get("park") else None
            return (
                place is not None
                and place.pk == existing["jurisdiction_id"]
                and self.allowed_place(place, park)
            )
        if name == "park":
            park = self._park(value, v)
            return park is not None and park.pk == existing["park_id"]
        if name in ("industry_code", "industry_name"):
            problems: list[str] = []
            industry = self.check_industry(v, lambda *args: problems.append(args))
            return not problems and industry is not None and industry.pk == existing["industry_id"]
        if name in rules.AMOUNTS:
            if rules.amount_problem(value):
                return False
            return self.cents(value) == existing[name]
        return False  # a field not compared here: ``check`` decides

    def _park(self, text, v: dict) -> Park | None:
        """The one park ``text`` names, around the row's place as ``check`` finds it."""
        candidates = self.parks.get(_key(text), [])
        place = self._place(v)
        if place is not None:
            candidates = [
                p for p in candidates if place.path.startswith(p.jurisdiction.path)
            ] or candidates
        return candidates[0] if len(candidates) == 1 else None

    def _place(self, v: dict) -> Jurisdiction | None:
        """The one place of the user's that the row's place columns name, or None."""
        if v.get("jurisdiction_code"):
            return self.places_by_code.get(v["jurisdiction_code"])
        if v.get("jurisdiction_name"):
            found = self.places_by_name.get(_key(v["jurisdiction_name"]), [])
            return found[0] if len(found) == 1 else None
        return None

    def check(self, row: SourceRow, existing: dict | None) -> tuple[dict | None, str]:
        errors: dict[str, str] = dict(row.errors)
        v = row.values
        out: dict = {}

        def fail(field: str, message: str) -> None:
            errors.setdefault(field, f"{BY_FIELD[field].label}：{message}")

        code = v.get("credit_code")
        if not code:
            fail("credit_code", _("the credit code is empty."))
        else:
            try:
                validate_credit_code(code)
            except ValidationError as exc:
                fail("credit_code", exc.messages[0])
            else:
                if code in self.seen:
                    fail(
                        "credit_code",
                        _("the same credit code is already in row %(row)d.")
                        % {"row": self.seen[code]},
                    )
                else:
                    self.seen[code] = row.number
                    out["credit_code"] = code
                    if existing is not None and code not in self.visible:
                        fail(
                            "credit_code",
                            _(
                                "this enterprise is registered under another jurisdiction; only that jurisdiction can change it."
                            ),
                        )
        name = v.get("name")
        if name:
            out["name"] = str(name)[:200]
        elif existing is None:
            fail("name", _("the name is empty."))

        place = None
        stored = self.stored_place(existing)
        if v.get("jurisdiction_code"):
            place = self.places_by_code.get(v["jurisdiction_code"])
            if place is None and stored is not None and stored.code == v["jurisdiction_code"]:
                pass  # the enterprise's own place, outside a park operator's area: unchanged
            elif place is None:
                fail(
                    "jurisdiction_code",
                    _("“%(code)s” is not a village, community or grid in your area.")
                    % {"code": v["jurisdiction_code"]},
                )
        elif v.get("jurisdiction_name"):
            found = self.places_by_name.get(_key(v["jurisdiction_name"]), [])
            if len(found) == 1:
                place = found[0]
            elif (
                not found
                and stored is not None
                and _key(stored.name) == _key(v["jurisdiction_name"])
            ):
                pass  # the enterprise's own place, outside a park operator's area: unchanged
            elif not found:
                fail(
                    "jurisdiction_name",
                    _("“%(name)s” is not a place in your area.") % {"name": v["jurisdiction_name"]},
                )
            else:
                fail(
                    "jurisdiction_name",
                    _("several places are called “%(name)s”; give the 辖区代码 instead.")
                    % {"name": v["jurisdiction_name"]},
                )
        park = None
        if v.get("park"):
            candidates = self.parks.get(_key(v["park"]), [])
            if place is not None:  # the same name in several towns: the one around the place
                candidates = [
                    p for p in candidates if place.path.startswith(p.jurisdiction.path)
                ] or candidates
            if len(candidates) == 1:
                park = out["park"] = candidates[0]
            elif not candidates:
                fail(
                    "park",
                    _("“%(name)s” is not a park or building in your area.") % {"name": v["park"]},
                )
            else:
                fail(
                    "park",
                    _("several parks are called “%(name)s”; give the 辖区代码 too.")
                    % {"name": v["park"]},
                )
        if place is None and park is not None and existing is None:
            # A new tenant is placed where its park is; a park named for a registered
            # enterprise does not move it.
            place = park.jurisdiction
        if (
            place is None
            and existing is None
            and self.place is not None
            and not v.get("jurisdiction_code")
            and not v.get("jurisdiction_name")
        ):
            # No place in the row: the place chosen on the form (a registered enterprise
            # stays where it is).
            place = self.place
        if place is not None:
            if self.allowed_place(place, park):
                out["jurisdiction"] = place
            else:
                fail("jurisdiction_code", _("this place is outside your area."))
        elif (
            existing is None
            and "jurisdiction_code" not in errors
            and "jurisdiction_name" not in errors
        ):
            fail(
                "jurisdiction_code",
                _(
                    "a new enterprise needs its 辖区代码 or 所属辖区, or a place chosen under "
                    "“Import to” when the file is uploaded."
                )
                if self.offers_places
                # A park operator's form has no 导入到: a tenant is placed by its park.
                else _("a new enterprise needs its 辖区代码 or 所属辖区, or its park (园区/楼宇)."),
            )

        phone = v.get("contact_phone")
        if phone and "*" not in str(phone):  # a masked phone from an export means "unchanged"
            try:
                check_phone(str(phone))
                out["contact_phone"] = str(phone)
            except ValidationError:
                fail(
                    "contact_phone",
                    _("“%(value)s” is not a mobile or landline number.") % {"value": phone},
                )
        for name in ("address", "legal_representative", "contact_name", "remarks"):
            if v.get(name):
                out[name] = str(v[name])[: self.TEXTS[name]]

        industry = self.check_industry(v, fail)
        if industry is not None:
            out["industry"] = industry

        for field_name, lookup in (
            ("category", CATEGORY_LOOKUP),
            ("ledger", LEDGER_LOOKUP),
            ("tier", TIER_LOOKUP),
        ):
            if v.get(field_name):
                value = lookup.get(_key(v[field_name]))
                if value is None:
                    options = {
                        "category": CATEGORY_NAMES,
                        "ledger": LEDGER_NAMES,
                        "tier": TIER_NAMES,
                    }[field_name]
                    fail(
                        field_name,
                        _("“%(value)s” is not one of: %(options)s.")
                        % {
                            "value": v[field_name],
                            "options": "、".join(n[0] for n in options.values()),
                        },
                    )
                else:
                    out[field_name] = value
        if "category" in out:
            out["category_stated"] = True

        # The row rules of the form and the API, on the row as it would be stored.
        given = {name for name in rules.RULE_FIELDS if v.get(name) is not None}
        merged = {
            name: v[name] if name in given else (existing or {}).get(name)
            for name in rules.RULE_FIELDS
        }
        problems = (
            {}
            if not given or rules_pass(merged, self.today)
            else rules.row_problems(merged, changed=given, today=self.today)
        )
        for name, message in problems.items():
            fail(name, message)
        for name in given - problems.keys():
            value = v[name]
            out[name] = self.cents(value) if name in rules.AMOUNTS else value
        for name in BOOL_FIELDS:
            if v.get(name) is not None:
                out[name] = v[name]
        self.check_rights(out, existing, fail)
        if not errors and (locked := self.lock_violation(out, existing)):
            fail("resumed_on", locked)
        if errors:
            return None, join_sentences(list(errors.values()))
        return out, ""


# ------------------------------------------------------------- import, on the import engine

KIND = "enterprises"  # the enterprise importer's kind (fugong.enterprises.importer)


def import_start(
    *, user, filename: str, content: bytes, mode: str, place=None, enqueue: bool = True
):
    """Store an uploaded ledger and start checking it (nothing is written to the registry)."""
    return imports.batch_start(
        kind=KIND,
        user=user,
        filename=filename,
        content=content,
        mode=mode,
        place=place,
        enqueue=enqueue,
    )


def import_batch_list(*, user):
    return imports.batch_list(user=user, kind=KIND)


# The steps after the upload know the batch's kind from the batch.
import_confirm = imports.batch_confirm
import_recheck = imports.batch_recheck
import_map_columns = imports.batch_map_headers
can_import_again = imports.can_import_again
can_recheck = imports.can_recheck
