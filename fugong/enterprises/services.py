"""Every write to enterprises, parks and 包保 assignments: atomic, audited, scoped by the
caller. Derived values (category, key enterprise) are recomputed here whenever their inputs
change, unless a user has set them by hand with a reason."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.models import Jurisdiction, Office
from fugong.core.audit import (
    audited_create,
    audited_delete,
    audited_update,
    record_many,
    snapshot,
    snapshot_values,
)
from fugong.core.bulk import insert_rows, load_cache, new_ids, rows_by_keys, update_rows
from fugong.core.concurrency import ensure_current
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.models import AuditAction
from fugong.core.scope import scoped
from fugong.core.tree import ancestor_paths, nearest
from fugong.enterprises import permissions, rules
from fugong.enterprises.choices import Category, Duty, Ledger, Post
from fugong.enterprises.derivation import derive_category, derive_key
from fugong.enterprises.models import Assignment, Enterprise, Industry, Park, RegistryRule
from fugong.stats import tally
from fugong.stats.locks import LockBook, check_resumption_date

DEFAULT_KEY_MIN_TAX_PAID = Decimal(50)  # 万元 (seed 002: 纳税 50 万元以上)


def key_threshold_for(
    jurisdiction: Jurisdiction | None, _cache: dict | None = None
) -> Decimal | None:
    """The key-enterprise threshold of the nearest jurisdiction (itself or an ancestor) that
    has a rule; the default when none has. None: the rule is switched off there."""
    if jurisdiction is None:
        return DEFAULT_KEY_MIN_TAX_PAID
    if _cache is not None and jurisdiction.path in _cache:
        return _cache[jurisdiction.path]
    rule = nearest(RegistryRule.objects.all(), jurisdiction)
    if rule is None:
        threshold = getattr(settings, "FUGONG_KEY_MIN_TAX_PAID", DEFAULT_KEY_MIN_TAX_PAID)
    else:
        threshold = rule.key_min_tax_paid if rule.key_rule_enabled else None
    if _cache is not None:
        _cache[jurisdiction.path] = threshold
    return threshold


def derived_fields(values: dict, *, threshold: Decimal | None) -> dict:
    """The effective category and key flag for an enterprise whose fields are ``values``
    (a dict with industry, revenue_last_year, tax_paid_last_year, category,
    category_overridden, is_key, is_key_overridden). A stated category that differs from the
    derived one counts as set by hand."""
    out: dict = {}
    industry: Industry | None = values.get("industry")
    division = industry.code if industry else None
    section = industry.section_code if industry else None
    derived = derive_category(
        division=division, section=section, revenue=values.get("revenue_last_year")
    )
    given = values.get("category") or ""
    if values.get("category_overridden") or derived is None:
        out["category"] = given
    elif given and given != derived.value and values.get("category_stated"):
        out["category"] = given
        out["category_overridden"] = True
        out["category_override_reason"] = values.get("category_override_reason") or _(
            "Stated in the imported file."
        )
    else:
        # Plain text, not the choice's member: what is compared, audited and written (an
        # import's 100,000 members each cost the audit snapshot and sqlite3's adapter look-up).
        out["category"] = str(derived.value)
    if not values.get("is_key_overridden"):
        out["is_key"] = bool(
            derive_key(tax_paid=values.get("tax_paid_last_year"), threshold=threshold).value
        )
    return out


def _normalise(fields: dict) -> dict:
    if fields.get("credit_code"):
        fields["credit_code"] = fields["credit_code"].strip().upper()
    return fields


def _check_in_scope(actor, enterprise: Enterprise) -> None:
    if (
        getattr(actor, "pk", None)
        and not scoped(Enterprise.objects.filter(pk=enterprise.pk), actor).exists()
    ):
        raise PermissionDenied


def _check_locks(enterprise: Enterprise | None, jurisdiction, changes: dict) -> None:
    """A resumption date may not move into or out of a submitted day (fugong.stats.locks)."""
    if "resumed_on" not in changes and "jurisdiction" not in changes:
        return
    new = changes.get("resumed_on", enterprise.resumed_on if enterprise else None)
    old = enterprise.resumed_on if enterprise else None
    if enterprise is not None and enterprise.jurisdiction_id != getattr(jurisdiction, "pk", None):
        # A move takes the date out of the old place's figures and into the new place's.
        check_resumption_date(path=enterprise.jurisdiction.path, old=old, new=None)
        old = None
    if jurisdiction is not None:
        check_resumption_date(path=jurisdiction.path, old=old, new=new)


def _check_fields(actor, names) -> None:
    """Refuse a write that changes fields the actor's roles may not change (403)."""
    refused = permissions.refused_fields(actor, names)
    if refused:
        raise NotAllowed(permissions.refusal_message(refused))


def _check_rules(values: dict, changed) -> None:
    """The row rules (fugong.enterprises.rules), as the form and the import apply them."""
    problems = rules.row_problems(values, changed=changed)
    if problems:
        raise ValidationError(problems)


def _changed(current: dict, changes: dict) -> set[str]:
    return {name for name, value in changes.items() if current.get(name) != value}


def enterprise_create(*, actor, routed_offices: list[Office] | None = None, **fields) -> Enterprise:
    fields = _normalise(fields)
    given = {k for k, v in fields.items() if v not in (None, "", False)}
    _check_fields(actor, given)
    _check_rules(fields, given)
    fields.update(derived_fields(fields, threshold=key_threshold_for(fields.get("jurisdiction"))))
    _check_locks(None, fields.get("jurisdiction"), fields)
    return audited_create(
        Enterprise, actor=actor, m2m={"routed_offices": routed_offices or []}, **fields
    )


@transaction.atomic
def enterprise_update(
    *, actor, enterprise: Enterprise, reason: str = "", seen=None, **changes
) -> Enterprise:
    """Change an enterprise's fields; derived values follow their inputs. ``seen``: the
    ``updated_at`` the user's form or request showed (fugong.core.concurrency): a save made
    since is a Conflict, not overwritten."""
    _check_in_scope(actor, enterprise)
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    ensure_current(enterprise, seen, field="updated_at", conflict=_changed_meanwhile)
    changes = _normalise(changes)
    current = {f.name: getattr(enterprise, f.name) for f in Enterprise._meta.concrete_fields}
    changed = _changed(current, changes)
    _check_fields(actor, changed)
    current.update(changes)
    _check_rules(current, changed)
    _check_locks(enterprise, current["jurisdiction"], changes)
    changes.update(
        derived_fields(current, threshold=key_threshold_for(current.get("jurisdiction")))
    )
    return audited_update(enterprise, actor=actor, reason=reason, **changes)


def _changed_meanwhile() -> Conflict:
    return Conflict(
        _(
            "Someone else changed this enterprise after you read it; read it again and send "
            "your changes with its new revision."
        )
    )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you set this by hand.")})
    return reason


def enterprise_override_category(
    *, actor, enterprise: Enterprise, category: str, reason: str
) -> Enterprise:
    reason = _require_reason(reason)
    if category not in Category.values:
        raise ValidationError({"category": _("Choose a category from the list.")})
    return enterprise_update(
        actor=actor,
        enterprise=enterprise,
        reason=reason,
        category=category,
        category_overridden=True,
        category_override_reason=reason,
    )


def enterprise_clear_category_override(*, actor, enterprise: Enterprise) -> Enterprise:
    return enterprise_update(
        actor=actor,
        enterprise=enterprise,
        reason=_("Category derived again"),
        category_overridden=False,
        category_override_reason="",
    )


def enterprise_override_key(
    *, actor, enterprise: Enterprise, is_key: bool, reason: str
) -> Enterprise:
    reason = _require_reason(reason)
    return enterprise_update(
        actor=actor,
        enterprise=enterprise,
        reason=reason,
        is_key=is_key,
        is_key_overridden=True,
        is_key_override_reason=reason,
    )


def enterprise_clear_key_override(*, actor, enterprise: Enterprise) -> Enterprise:
    return enterprise_update(
        actor=actor,
        enterprise=enterprise,
        reason=_("Key enterprise derived again"),
        is_key_overridden=False,
        is_key_override_reason="",
    )


STATUS_ACTIONS = ("ledger", "resumed")


@transaction.atomic
def enterprises_set_status(
    *,
    actor,
    enterprise_ids: list[int],
    ledger: str | None = None,
    resumed_on=None,
    returned_count: int | None = None,
    returned_counts: dict[int, int] | None = None,
    reason: str = "",
) -> int:
    """Bulk status change: put enterprises in a ledger, or mark them resumed on a date with the
    staff back at work (``returned_count`` for all of them, or ``returned_counts`` by
    enterprise id; one of the two is required with a date). Only enterprises in the actor's
    scope are touched, and each must keep the row rules (no date in the future, no more staff
    back than employed); returns how many changed."""
    if ledger is not None and ledger not in Ledger.values:
        raise ValidationError({"ledger": _("Choose a ledger from the list.")})
    changes: dict = {}
    if ledger is not None:
        changes["ledger"] = ledger
    if resumed_on is not None:
        changes["resumed_on"] = resumed_on
        changes["returned_count"] = None  # per enterprise, below
    if not changes:
        raise ValidationError(_("Choose a ledger or a resumption date."))
    _check_fields(actor, changes)
    counts = returned_counts or {}
    if resumed_on is not None and returned_count is None and not counts:
        raise ValidationError({"returned_count": _("Give the number of staff back at work.")})
    problems: list[str] = []
    writes: list[tuple[Enterprise, dict]] = []
    for enterprise in scoped(
        Enterprise.objects.filter(pk__in=enterprise_ids), actor
    ).select_for_update():
        these = dict(changes)
        if resumed_on is not None:
            count = counts.get(enterprise.pk, returned_count)
            if count is None:
                problems.append(
                    rules.of_enterprise(
                        enterprise.name, _("Give the number of staff back at work.")
                    )
                )
                continue
            these["returned_count"] = count
        values = {f.name: getattr(enterprise, f.name) for f in Enterprise._meta.concrete_fields}
        values.update(these)
        for message in rules.row_problems(values, changed=these).values():
            problems.append(rules.of_enterprise(enterprise.name, message))
        writes.append((enterprise, these))
    if problems:
        raise ValidationError(problems)
    changed = 0
    for enterprise, these in writes:
        before = enterprise.updated_at
        _check_locks(enterprise, enterprise.jurisdiction, these)
        audited_update(enterprise, actor=actor, reason=reason, **these)
        changed += enterprise.updated_at != before
    return changed


def park_create(*, actor, **fields) -> Park:
    return audited_create(Park, actor=actor, **fields)


def assignment_create(
    *, actor, enterprise: Enterprise, user, duty: str = Duty.CADRE, post: str = Post.A
) -> Assignment:
    return audited_create(
        Assignment, actor=actor, enterprise=enterprise, user=user, duty=duty, post=post
    )


@transaction.atomic
def assignments_bulk_create(*, actor, enterprise_ids: list[int], user, duty: str, post: str) -> int:
    """Assign one person to many enterprises (in the actor's scope); existing ones are kept."""
    existing = set(
        Assignment.objects.filter(
            enterprise_id__in=enterprise_ids, user=user, duty=duty
        ).values_list("enterprise_id", flat=True)
    )
    made = 0
    for enterprise in scoped(Enterprise.objects.filter(pk__in=enterprise_ids), actor):
        if enterprise.pk not in existing:
            assignment_create(actor=actor, enterprise=enterprise, user=user, duty=duty, post=post)
            made += 1
    return made


def assignment_delete(*, actor, assignment: Assignment) -> None:
    _check_in_scope(actor, assignment.enterprise)
    audited_delete(assignment, actor=actor)


# Fields an import or the demo may set; the rest (id, stamps, m2m) are the system's.
UPSERT_FIELDS = [
    f for f in Enterprise._meta.concrete_fields if f.name not in {"id", "created_at", "updated_at"}
]
UPSERT_NAMES = {f.name for f in UPSERT_FIELDS}
RELATIONS = {"jurisdiction", "industry", "park"}


@dataclass
class UpsertResult:
    created: dict[str, int] = field(default_factory=dict)  # credit code -> id
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0


class _Places:
    """Jurisdiction paths and key-enterprise thresholds by jurisdiction id, loaded as needed."""

    def __init__(self):
        self.paths: dict[int, str] = {}
        self.by_id: dict[int, Decimal | None] = {}
        # Every registry rule, by its place's path, in one query (a few rows): the nearest rule
        # of each place is then found in memory, not by a query per place (34,560 of them in a
        # city-wide import).
        self.rules: dict[str, Decimal | None] = {
            path: (minimum if enabled else None)
            for path, enabled, minimum in RegistryRule.objects.values_list(
                "jurisdiction__path", "key_rule_enabled", "key_min_tax_paid"
            )
        }

    def load(self, ids: set[int]) -> None:
        missing = ids - self.paths.keys()
        if missing:  # one raw query (an array on PostgreSQL): thousands of grids per chunk
            self.paths.update(
                (r["id"], r["path"])
                for r in rows_by_keys(Jurisdiction, "id", list(missing), ["id", "path"])
            )

    def threshold(self, jurisdiction_id: int | None) -> Decimal | None:
        if jurisdiction_id is None:
            return DEFAULT_KEY_MIN_TAX_PAID
        if jurisdiction_id not in self.by_id:
            # The path alone (no model instance: an import meets thousands of places).
            node = SimpleNamespace(path=self.paths[jurisdiction_id])
            self.by_id[jurisdiction_id] = next(
                (self.rules[p] for p in reversed(ancestor_paths(node)) if p in self.rules),
                getattr(settings, "FUGONG_KEY_MIN_TAX_PAID", DEFAULT_KEY_MIN_TAX_PAID),
            )
        return self.by_id[jurisdiction_id]


class _Derivations:
    """``derived_fields`` of the upsert's rows (column values), each of its two parts once
    per distinct set of that part's inputs: the category follows the industry, revenue and
    category given (a few thousand sets in 100,000 rows), the key flag the tax paid and the
    place's threshold (a few hundred)."""

    LIMIT = 50_000  # sets remembered of each part

    def __init__(self, industries: dict[int, Industry]):
        self.industries = industries
        self.categories: dict[tuple, dict] = {}
        self.keys: dict[tuple, bool] = {}

    def of(self, merged: dict, stated, reason, threshold: Decimal | None) -> dict:
        """``derived_fields`` of the row whose column values are ``merged`` (``stated``:
        its category was given; ``reason``: the override reason it gives)."""
        category_of = (
            merged["industry_id"],
            merged["revenue_last_year"],
            merged["category"],
            merged["category_overridden"],
            bool(stated),
            reason,
        )
        try:
            category = self.categories.get(category_of)
        except TypeError:  # an unhashable value (never from an import): derived as it is
            return self._derived(merged, stated, reason, threshold)
        if category is None:
            if len(self.categories) >= self.LIMIT:
                self.categories.clear()
            # Without the key flag (overridden here): derived below, apart.
            category = self.categories[category_of] = derived_fields(
                {
                    "industry": self.industries.get(category_of[0]),
                    "revenue_last_year": category_of[1],
                    "category": category_of[2],
                    "category_stated": stated,
                    "category_overridden": category_of[3],
                    "category_override_reason": reason,
                    "is_key_overridden": True,
                },
                threshold=None,
            )
        if merged["is_key_overridden"]:
            return category
        key_of = (merged["tax_paid_last_year"], threshold)
        is_key = self.keys.get(key_of)
        if is_key is None:
            if len(self.keys) >= self.LIMIT:
                self.keys.clear()
            is_key = self.keys[key_of] = derived_fields(
                {"tax_paid_last_year": key_of[0], "category_overridden": True},
                threshold=threshold,
            )["is_key"]
        return {**category, "is_key": is_key}

    def _derived(self, merged: dict, stated, reason, threshold: Decimal | None) -> dict:
        """``derived_fields`` of the whole row, as ``of`` gives it part by part."""
        return derived_fields(
            {
                "industry": self.industries.get(merged["industry_id"]),
                "revenue_last_year": merged["revenue_last_year"],
                "tax_paid_last_year": merged["tax_paid_last_year"],
                "category": merged["category"],
                "category_stated": stated,
                "category_overridden": merged["category_overridden"],
                "category_override_reason": reason,
                "is_key_overridden": merged["is_key_overridden"],
            },
            threshold=threshold,
        )


UPSERT_ATTNAMES = {f.attname for f in UPSERT_FIELDS}
UPSERT_CHUNK = 5000  # rows read, merged and written together by enterprises_upsert


# The names a row may give that are column names (not relations given as objects).
_COLUMN_NAMES = frozenset((UPSERT_NAMES | UPSERT_ATTNAMES) - RELATIONS)


# What an import's rows hold (relations already as ids; ``category_stated``, no column).
_IMPORTED_NAMES = _COLUMN_NAMES | {"category_stated"}


def _as_attnames(row: dict) -> dict:
    """Model-level values (relations as objects, or already as ids) to column values."""
    if row.keys() <= _IMPORTED_NAMES:  # column values already (an import's rows): one copy
        out = row.copy()
        out.pop("category_stated", None)
        return out
    out = {}
    relations = None
    for name, value in row.items():  # one pass (an import gives 100,000 rows)
        if name in _COLUMN_NAMES:
            out[name] = value
        elif name in RELATIONS:
            relations = [*(relations or ()), (name, value)]
    for name, value in relations or ():  # an object given wins over its id
        out[f"{name}_id"] = value.pk if value is not None else None
    return out


def _check_upsert_locks(locks: LockBook, places: _Places, new: dict, changed: dict) -> None:
    """No created or changed row may move a resumption date into or out of a submitted day."""
    if not locks.locks:
        return
    checks = [(None, v) for v in new.values()] + list(changed.values())
    for before, after in checks:
        old_place = before.get("jurisdiction_id") if before else None
        new_place = after.get("jurisdiction_id")
        message = locks.move_violation(
            old_path=places.paths[old_place] if old_place is not None else None,
            old_date=before.get("resumed_on") if before else None,
            new_path=places.paths[new_place] if new_place is not None else None,
            new_date=after.get("resumed_on"),
        )
        if message:
            raise UserError(
                rules.of_enterprise(after.get("name", ""), message),
                code="day_locked",
                status=409,
            )


@transaction.atomic
@load_cache()  # one large SQLite page cache for the inserts, tally and audit rows
def enterprises_upsert(*, actor, rows: list[dict], reason: str = "") -> UpsertResult:
    """Create or update many enterprises by credit code, with one audit row per created or
    changed enterprise, in a few statements per thousand rows (fugong.core.bulk). Fields
    missing from a row keep their value; a row equal to what is stored changes nothing (so
    importing a file twice changes nothing). A credit code twice in ``rows``: the later wins.

    Rows are validated by the caller (fugong.enterprises.io): credit codes checked,
    ``jurisdiction``, ``industry`` and ``park`` given as instances, and the caller's right to
    write each row checked. ``category_stated`` marks a row whose category was given."""
    result = UpsertResult()
    industries = {i.pk: i for i in Industry.objects.select_related("parent")}
    derivations = _Derivations(industries)
    places = _Places()
    attnames = [f.attname for f in UPSERT_FIELDS]
    columns_of = itemgetter(*attnames)  # a row's values in the order of attnames
    defaults = {f.attname: f.get_default() for f in UPSERT_FIELDS}
    now = timezone.now()
    locks = LockBook.load()
    # New units counted into the tally at once (a flush before any update of a unit).
    with tally.bulk_inserts() as counted:
        for start in range(0, len(rows), UPSERT_CHUNK):
            chunk = rows[start : start + UPSERT_CHUNK]
            codes = [row["credit_code"] for row in chunk]
            # One query per chunk (5,000 codes: within SQLite's 32,766 parameters since 3.32).
            existing = {
                e["credit_code"]: e
                for e in rows_by_keys(Enterprise, "credit_code", codes, ["id", *attnames])
            }
            # Column values (relations as ids); category_stated is no column.
            chunk = [(_as_attnames(row), row.get("category_stated")) for row in chunk]
            places.load(
                {
                    v["jurisdiction_id"]
                    for v, _stated in chunk
                    if v.get("jurisdiction_id") is not None
                }
                | {e["jurisdiction_id"] for e in existing.values()}
            )
            new: dict[str, dict] = {}
            changed: dict[int, tuple[dict, dict]] = {}
            for values, stated in chunk:
                code = values["credit_code"]
                base = new.get(code) or existing.get(code) or defaults
                merged = {**base, **values}
                merged.update(
                    derivations.of(
                        merged,
                        stated,
                        values.get("category_override_reason"),
                        places.threshold(merged["jurisdiction_id"]),
                    )
                )
                if code in existing:
                    current = existing[code]
                    diff = {k: v for k, v in merged.items() if k != "id" and current.get(k) != v}
                    if diff:
                        # Against what is stored: a code twice in one call keeps both rows' changes.
                        stored = changed[current["id"]][0] if current["id"] in changed else current
                        changed[current["id"]] = (stored, merged | {"id": current["id"]})
                        existing[code] = merged | {"id": current["id"]}
                    elif current["id"] not in changed:
                        result.unchanged += 1
                else:
                    new[code] = merged
            _check_upsert_locks(locks, places, new, changed)
            # The audit snapshot of each new row, made while the rows before it are written
            # (fugong.core.bulk.insert_rows writes on another core meanwhile).
            created_after: dict[str, dict] = {}
            if new:

                def insert(new: dict[str, dict] = new, after: dict = created_after) -> list[int]:
                    ids = new_ids(Enterprise, len(new))
                    # Ids in the rows' order, rows written in their places' order: the indexes
                    # that start with the place (three of them) are then filled along their
                    # order instead of all over (SQLite: 0.7 s less for 100,000 rows).
                    placed = sorted(
                        zip(ids, new.items(), strict=True),
                        key=lambda pair: pair[1][1]["jurisdiction_id"] or 0,
                    )

                    def made() -> Iterator[tuple]:
                        for pk, (code, v) in placed:
                            after[code] = snapshot_values(Enterprise, v, skip_empty=True)
                            yield (pk, now, now, *columns_of(v))

                    insert_rows(Enterprise, ["id", "created_at", "updated_at", *attnames], made())
                    result.created.update(zip(new, ids, strict=True))
                    return ids

                counted.insert(insert, units=new.values())  # counted from these values
            if changed:
                counted.flush()  # a unit inserted by an earlier chunk may change here
                columns = sorted(
                    {
                        k
                        for before, after in changed.values()
                        for k in after
                        if k != "id" and before.get(k) != after[k]
                    }
                )
                update_rows(
                    Enterprise,
                    [*columns, "updated_at"],
                    (
                        (pk, *(after[c] for c in columns), now)
                        for pk, (_before, after) in changed.items()
                    ),
                )
                result.updated.extend(changed)
            # Made as the audit rows are written (the snapshots of changed rows too).
            record_many(
                actor=actor,
                model=Enterprise,
                changes=chain(
                    ((result.created[code], v["name"], AuditAction.CREATE, None, created_after[code])
                     for code, v in new.items()),
                    ((pk, after["name"], AuditAction.UPDATE, snapshot_values(Enterprise, before),
                      snapshot_values(Enterprise, after))
                     for pk, (before, after) in changed.items()),
                ),
                reason=reason,
            )  # fmt: skip
    return result


@transaction.atomic
def assignments_bulk_insert(
    *, actor, items: list[tuple[Enterprise, object, str, str]], reason: str = ""
) -> int:
    """Insert many assignments (enterprise, user, duty, post) at once with their audit rows;
    for loading data (import, demo). Interactive bulk assignment uses assignments_bulk_create."""
    made = Assignment.objects.bulk_create(
        [Assignment(enterprise=e, user=u, duty=d, post=p) for e, u, d, p in items],
        batch_size=1000,
        ignore_conflicts=False,
    )
    record_many(
        actor=actor,
        model=Assignment,
        changes=[
            (a.pk, str(a), AuditAction.CREATE, None, snapshot(a, with_m2m=False)) for a in made
        ],
        reason=reason,
    )
    return len(made)


@transaction.atomic
def enterprise_routes_bulk_add(
    *, actor, routes: dict[Enterprise, list[Office]], reason: str = ""
) -> int:
    """Route many enterprises to their reviewing offices at once (each enterprise gets one
    audit row with its offices before and after)."""
    through = Enterprise.routed_offices.through
    ids = [e.pk for e in routes]
    before: dict[int, list[int]] = {pk: [] for pk in ids}
    for start in range(0, len(ids), 500):
        for enterprise_id, office_id in through.objects.filter(
            enterprise_id__in=ids[start : start + 500]
        ).values_list("enterprise_id", "office_id"):
            before[enterprise_id].append(office_id)
    new_rows = [
        (e.pk, o.pk)
        for e, offices in routes.items()
        for o in dict.fromkeys(offices)
        if o.pk not in before[e.pk]
    ]
    insert_rows(through, ["enterprise_id", "office_id"], new_rows)
    changes = []
    for e, offices in routes.items():
        after = sorted({*before[e.pk], *(o.pk for o in offices)})
        if after != sorted(before[e.pk]):
            changes.append((e.pk, str(e), AuditAction.UPDATE, {"routed_offices": sorted(before[e.pk])},
                            {"routed_offices": after}))  # fmt: skip
    record_many(actor=actor, model=Enterprise, changes=changes, reason=reason)
    return len(new_rows)


@transaction.atomic
def green_channel_set(*, actor, enterprise: Enterprise, on: bool, reason: str = ""):
    """Put an enterprise on the green channel (first in every queue), or take it off; the
    command offices whose place holds it decide, with the reason. Audited."""
    from fugong.accounts.selectors import command_jurisdictions
    from fugong.enterprises.models import GreenChannel

    places = command_jurisdictions(actor)
    if not any(enterprise.jurisdiction.path.startswith(p.path) for p in places):
        raise NotAllowed(_("Only the command offices of its place set its green channel."))
    reason = "".join(ch for ch in (reason or "") if ch.isprintable() or ch == "\n").strip()
    if on and not reason:
        raise UserError(_("Say why it gets the green channel."), code="reason_required")
    if len(reason) > 300:
        raise UserError(_("Say why in 300 characters or fewer."), code="too_long")
    current = GreenChannel.objects.select_for_update().filter(enterprise=enterprise).first()
    if current is None:
        if not on:
            return None
        return audited_create(
            GreenChannel,
            actor=actor,
            reason=_("Green channel"),
            enterprise=enterprise,
            why=reason,
            set_by=actor,
        )
    changes = {"is_active": on, "set_by": actor}
    if on:
        changes["why"] = reason
    return audited_update(current, actor=actor, **changes)
