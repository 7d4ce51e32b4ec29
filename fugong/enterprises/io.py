"""Excel in and out for the enterprise ledger.

Export writes the columns of fugong.enterprises.columns under a line naming who exported and
when; import reads the same columns (and the synonyms offices use), so an export imports back
unchanged. Import is two background jobs: a check that writes nothing (the preview, with an
error file) and, once the user confirms, the import itself, all-or-nothing or keeping the
good rows, upserting by credit code.
"""

from __future__ import annotations

import datetime
import functools
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fugong.accounts.models import Jurisdiction, phone_validator
from fugong.core.bulk import rows_by_keys
from fugong.core.files import safe_filename, stored_name
from fugong.core.jobs import JobContext, JobError, job_handler, job_start
from fugong.core.masking import mask_phone
from fugong.core.models import JobStatus
from fugong.core.scope import get_scope, scoped
from fugong.core.tabular import SourceRow, TabularError, read_table, spreadsheet_kind
from fugong.core.text import clean_text
from fugong.core.xlsx import XlsxStreamWriter
from fugong.enterprises import permissions, rules
from fugong.enterprises.choices import CATEGORY_NAMES, LEDGER_NAMES, TIER_NAMES
from fugong.enterprises.columns import BY_FIELD, COLUMNS
from fugong.enterprises.forms import PLACE_LEVELS
from fugong.enterprises.models import (
    Enterprise,
    ImportBatch,
    ImportMode,
    ImportStatus,
    Industry,
    Park,
    validate_credit_code,
)
from fugong.enterprises.selectors import enterprise_filtered
from fugong.enterprises.services import enterprises_upsert
from fugong.stats.locks import LockBook

CHUNK = 5000
SAMPLE_ROWS = 20
SHOWN_ERRORS = 100
SHOWN_HEADERS = 50
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
    return {_key(name): value for value, spellings in names.items() for name in spellings}


CATEGORY_LOOKUP = _lookup(CATEGORY_NAMES)
LEDGER_LOOKUP = _lookup(LEDGER_NAMES)
TIER_LOOKUP = _lookup(TIER_NAMES)


def join_sentences(messages: list[str]) -> str:
    """One line of a row's problems: "…网格；台账类别…。", not "…网格。；台账类别…"."""
    return "；".join([m.rstrip("。.") for m in messages[:-1]] + messages[-1:])


class RowChecker:
    """Turns a source row into upsert values for one user, or says what is wrong with it.
    The row rules are those of the form and the API (fugong.enterprises.rules), and so are
    the fields the user's roles may change (permissions.refused_fields)."""

    # What ``check`` reads of a stored enterprise (``existing``).
    EXISTING = [
        "credit_code", "employee_count", "returned_count", "jurisdiction_id", "resumed_on",
        "ledger", "tier", "category", "industry_id", "park_id", "revenue_last_year",
        "tax_paid_last_year",
    ]  # fmt: skip
    # The column that names each field the user may not change.
    FIELD_COLUMNS = {"jurisdiction": "jurisdiction_code", "industry": "industry_code"}

    def __init__(self, user):
        self.user = user
        self.scope = get_scope(user)
        parks = list(scoped(Park.objects.select_related("jurisdiction"), user))
        places = list(scoped(Jurisdiction.objects.filter(level__in=PLACE_LEVELS), user))
        places += [p.jurisdiction for p in parks if p.jurisdiction not in places]  # park operators
        self.places_by_code = {j.code: j for j in places}
        self.places_by_name: dict[str, list[Jurisdiction]] = {}
        for j in places:
            self.places_by_name.setdefault(_key(j.name), []).append(j)
        self.parks: dict[str, list[Park]] = {}
        for park in parks:
            self.parks.setdefault(_key(park.name), []).append(park)
        industries = list(Industry.objects.filter(level="division").select_related("parent"))
        self.industries = {i.code: i for i in industries}
        self.industries_by_name = {_key(i.name): i for i in industries}
        self.seen: dict[str, int] = {}
        self.today = timezone.localdate()
        # Submitted days: a row may not move a resumption date into or out of one.
        self.locks = LockBook.load()
        self.paths: dict[int, str] = {}
        self.stored_places: dict[int, Jurisdiction | None] = {}

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
        if existing is None:
            asked = set(out) - {"credit_code", "jurisdiction", "park"}
        else:
            asked = set()
            for name, value in out.items():
                stored = existing.get(f"{name}_id", existing.get(name))
                if getattr(value, "pk", value) != stored:
                    asked.add(name)
        for name in permissions.refused_fields(self.user, asked):
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

    def check(
        self, row: SourceRow, existing: dict | None, existing_in_scope: bool
    ) -> tuple[dict | None, str]:
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
                    if existing is not None and not existing_in_scope:
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
            fail("jurisdiction_code", _("a new enterprise needs its 辖区代码 or 所属辖区."))

        phone = v.get("contact_phone")
        if phone and "*" not in str(phone):  # a masked phone from an export means "unchanged"
            try:
                phone_validator(str(phone))
                out["contact_phone"] = str(phone)
            except ValidationError:
                fail(
                    "contact_phone",
                    _("“%(value)s” is not a mobile or landline number.") % {"value": phone},
                )
        for name in ("address", "legal_representative", "contact_name", "remarks"):
            if v.get(name):
                out[name] = str(v[name])[: Enterprise._meta.get_field(name).max_length]

        industry = None
        if v.get("industry_code"):
            code2 = "".join(ch for ch in str(v["industry_code"]) if ch.isdigit())[:2]
            industry = self.industries.get(code2)
            if industry is None:
                fail(
                    "industry_code",
                    _("“%(value)s” is not a GB/T 4754-2017 division code.")
                    % {"value": v["industry_code"]},
                )
        elif v.get("industry_name"):
            industry = self.industries_by_name.get(_key(v["industry_name"]))
            if industry is None:
                fail(
                    "industry_name",
                    _("“%(value)s” is not a GB/T 4754-2017 division name.")
                    % {"value": v["industry_name"]},
                )
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
        problems = rules.row_problems(merged, changed=given, today=self.today)
        for name, message in problems.items():
            fail(name, message)
        for name in given - problems.keys():
            value = v[name]
            out[name] = Decimal(value).quantize(Decimal("0.01")) if name in rules.AMOUNTS else value
        for name in BOOL_FIELDS:
            if v.get(name) is not None:
                out[name] = v[name]
        self.check_rights(out, existing, fail)
        if not errors and (locked := self.lock_violation(out, existing)):
            fail("resumed_on", locked)
        if errors:
            return None, join_sentences(list(errors.values()))
        return out, ""


@dataclass
class Checked:
    total: int = 0
    valid: int = 0
    new: int = 0
    existing: int = 0
    skipped: int = 0  # 合计/小计 lines and blank lines: neither rows nor errors
    errors: list[tuple[int, list[str], str]] = field(default_factory=list)
    sample: list[dict] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)
    unknown_headers: list[str] = field(default_factory=list)


def _chunks(rows: Iterator[SourceRow]) -> Iterator[list[SourceRow]]:
    chunk: list[SourceRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _storable(values: dict) -> dict:
    """A checked row as JSON: relations as ids, amounts and dates as text."""
    out = {}
    for name, value in values.items():
        if name in ("jurisdiction", "industry", "park"):
            out[f"{name}_id"] = value.pk if value is not None else None
        elif isinstance(value, Decimal):
            out[name] = {"decimal": str(value)}
        elif isinstance(value, datetime.date):
            out[name] = {"date": value.isoformat()}
        else:
            out[name] = value
    return out


def _restored(stored: dict) -> dict:
    out = {}
    for name, value in stored.items():
        if isinstance(value, dict) and "decimal" in value:
            out[name] = Decimal(value["decimal"])
        elif isinstance(value, dict) and "date" in value:
            out[name] = datetime.date.fromisoformat(value["date"])
        else:
            out[name] = value
    return out


def read_batch(batch: ImportBatch):
    batch.file.open("rb")
    try:
        data = batch.file.read()
    finally:
        batch.file.close()
    table = read_table(
        data,
        filename=batch.filename,
        columns=COLUMNS,
        max_bytes=settings.FUGONG_MAX_UPLOAD_MB * 1024 * 1024,
    )
    if table.missing_required:
        raise TabularError(
            _("The file has no column for %(columns)s. Add it, or check the header row.")
            % {"columns": "、".join(table.missing_required)}
        )
    return table


def checked_rows(
    batch: ImportBatch, ctx: JobContext | None, checked: Checked
) -> Iterator[list[dict]]:
    """Yield, chunk by chunk, the upsert values of the good rows; count everything in
    ``checked`` and collect the bad rows with their reasons."""
    table = read_batch(batch)
    checked.headers = table.headers
    checked.columns = table.columns
    checked.unknown_headers = table.unknown_headers
    checker = RowChecker(batch.created_by)
    everything = get_scope(batch.created_by).everything
    for chunk in _chunks(table.rows):
        codes = [r.values.get("credit_code") for r in chunk if r.values.get("credit_code")]
        existing = {
            e["credit_code"]: e
            for e in rows_by_keys(
                Enterprise,
                "credit_code",
                codes,
                RowChecker.EXISTING,
            )
        }
        checker.load_paths({e["jurisdiction_id"] for e in existing.values()})
        if everything or not existing:
            visible = set(existing)
        else:
            visible = set(
                scoped(
                    Enterprise.objects.filter(credit_code__in=list(existing)), batch.created_by
                ).values_list("credit_code", flat=True)
            )
        good: list[dict] = []
        for row in chunk:
            code = row.values.get("credit_code")
            current = existing.get(code)
            values, message = checker.check(row, current, code in visible)
            checked.total += 1
            if values is None:
                checked.errors.append((row.number, row.raw, message))
                continue
            checked.valid += 1
            if current is None:
                checked.new += 1
            else:
                checked.existing += 1
            if len(checked.sample) < SAMPLE_ROWS:
                checked.sample.append(
                    {
                        "row": row.number,
                        **{k: str(v) for k, v in values.items() if k != "category_stated"},
                    }
                )
            good.append(values)
        if ctx is not None:
            ctx.progress(checked.total)
        checked.skipped = len(table.skipped)
        yield good
    checked.skipped = len(table.skipped)


def error_file(checked: Checked) -> bytes:
    """The rejected rows as they were in the file, with a column saying why."""
    buffer = io.BytesIO()
    sheet = XlsxStreamWriter(buffer, sheet_name="有误的行")
    sheet.append([*checked.headers, "原行号", "错误原因"])
    width = len(checked.headers)
    for number, raw, message in checked.errors:
        sheet.append([*(raw + [""] * width)[:width], number, message])
    sheet.close()
    return buffer.getvalue()


def _summary(checked: Checked) -> dict:
    return {
        "total": checked.total,
        "valid": checked.valid,
        "invalid": len(checked.errors),
        "new": checked.new,
        "existing": checked.existing,
        "skipped": checked.skipped,
        "columns": [BY_FIELD[f].label for f in checked.columns],
        # Bounded, whatever the file holds: the preview is stored and shown on every poll.
        "unknown_headers": [h[:60] for h in checked.unknown_headers[:SHOWN_HEADERS]],
        "sample": checked.sample,
        "errors": [{"row": n, "message": m} for n, _raw, m in checked.errors[:SHOWN_ERRORS]],
    }


def _attach_errors(batch: ImportBatch, checked: Checked) -> None:
    if checked.errors:
        batch.error_file.save(
            f"errors-{batch.pk}.xlsx", ContentFile(error_file(checked)), save=False
        )


def _check_failed(job, message: str) -> None:
    ImportBatch.objects.filter(pk=job.params["batch"], status=ImportStatus.CHECKING).update(
        status=ImportStatus.REJECTED, message=message
    )


@job_handler("enterprises.import_check", atomic=False, on_failure=_check_failed)
def import_check(ctx: JobContext) -> dict:
    """Read and check every row; write nothing but the preview and the error file."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=ctx.params["batch"])
    checked = Checked()
    with tempfile.TemporaryFile() as good_rows:
        try:
            for good in checked_rows(batch, ctx, checked):
                lines = (
                    json.dumps(_storable(v), ensure_ascii=False, separators=(",", ":")) + "\n"
                    for v in good
                )
                good_rows.write("".join(lines).encode())
        except TabularError as exc:
            batch.status = ImportStatus.REJECTED
            batch.message = str(exc)
            batch.save(update_fields=["status", "message"])
            raise JobError(str(exc)) from exc
        ctx.progress(checked.total, checked.total)
        batch.preview = _summary(checked)
        _attach_errors(batch, checked)
        good_rows.seek(0)
        batch.checked_file.save(f"checked-{batch.pk}.jsonl", File(good_rows), save=False)
    if checked.total == 0:
        batch.status = ImportStatus.REJECTED
        batch.message = _("The file has a header but no rows below it.")
    else:
        batch.status = ImportStatus.READY
    batch.save(update_fields=["preview", "error_file", "checked_file", "status", "message"])
    ctx.message(
        _("%(total)d rows read: %(valid)d good, %(invalid)d with errors.")
        % {"total": checked.total, "valid": checked.valid, "invalid": len(checked.errors)}
    )
    return batch.preview | {"sample": []}


def _import_failed(job, message: str) -> None:
    ImportBatch.objects.filter(pk=job.params["batch"]).update(
        status=ImportStatus.FAILED, message=message
    )


@job_handler("enterprises.import", on_failure=_import_failed)
def import_commit(ctx: JobContext) -> dict:
    """Write what the check accepted, in one transaction: every row, or (keep-good mode)
    the good ones. The file is not read again; what may have changed since the check (an
    enterprise registered meanwhile under another jurisdiction) is checked again."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=ctx.params["batch"])
    preview = batch.preview
    rejected = preview.get("invalid", 0)
    if rejected and batch.mode == ImportMode.ALL_OR_NOTHING:
        first = preview["errors"][0]["row"] if preview.get("errors") else "?"
        raise JobError(
            ngettext(
                "%(n)d row has an error (row %(rows)s), so nothing was imported (all-or-nothing). "
                "Download the rows with errors, fix them and import again.",
                "%(n)d rows have errors (the first is row %(rows)s), so nothing was imported "
                "(all-or-nothing). Download the rows with errors, fix them and import again.",
                rejected,
            )
            % {"n": rejected, "rows": first}
        )
    total = preview.get("valid", 0)
    ctx.progress(0, total)
    created = updated = unchanged = done = 0
    moved: list[str] = []
    reason = _("Import of %(file)s") % {"file": batch.filename}
    with batch.checked_file.open("rb") as stored:
        while True:
            lines = [line for _ in range(CHUNK) if (line := stored.readline())]
            if not lines:
                break
            rows = [_restored(json.loads(line)) for line in lines]
            outside = _registered_outside_scope(batch.created_by, [r["credit_code"] for r in rows])
            if outside:
                moved.extend(sorted(outside))
                if batch.mode == ImportMode.ALL_OR_NOTHING:
                    break
                rows = [r for r in rows if r["credit_code"] not in outside]
            result = enterprises_upsert(actor=batch.created_by, rows=rows, reason=reason)
            created += len(result.created)
            updated += len(result.updated)
            unchanged += result.unchanged
            done += len(lines)
            ctx.progress(done)
    if moved and batch.mode == ImportMode.ALL_OR_NOTHING:
        raise JobError(
            _(
                "Since the check, %(codes)s was registered under another jurisdiction, so nothing "
                "was imported. Check the file again."
            )
            % {"codes": "、".join(moved[:5])}
        )
    batch.result = {
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "rejected": rejected + len(moved),
    }
    batch.status = ImportStatus.DONE
    batch.save(update_fields=["result", "status"])
    ctx.progress(total, total)
    ctx.message(
        _(
            "%(created)d new, %(updated)d updated, %(unchanged)d unchanged, %(rejected)d rows rejected."
        )
        % batch.result
    )
    return batch.result


def _registered_outside_scope(user, codes: list[str]) -> set[str]:
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


def import_start(
    *, user, filename: str, content: bytes, mode: str, enqueue: bool = True
) -> ImportBatch:
    """Store an uploaded file and start checking it (nothing is written to the registry)."""
    if mode not in ImportMode.values:
        raise ValidationError(
            {"mode": _("Choose how to import: all or nothing, or keep the good rows.")}
        )
    limit = settings.FUGONG_MAX_UPLOAD_MB * 1024 * 1024
    if len(content) > limit:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)d MB; split it into smaller files.")
                % {"mb": settings.FUGONG_MAX_UPLOAD_MB}
            }
        )
    if not content:
        raise ValidationError({"file": _("The file is empty.")})
    batch = ImportBatch(created_by=user, filename=safe_filename(filename), mode=mode)
    # Stored under a generated name: nothing the user typed reaches the storage path.
    batch.file.save(
        stored_name(spreadsheet_kind(content), "import"), ContentFile(content), save=False
    )
    batch.save()
    job = job_start(
        kind="enterprises.import_check",
        title=_("Check of %(file)s") % {"file": batch.filename},
        user=user,
        params={"batch": batch.pk},
        enqueue=enqueue,
    )
    batch.check_job = job
    batch.save(update_fields=["check_job"])
    return batch


def import_confirm(
    *, user, batch: ImportBatch, mode: str | None = None, enqueue: bool = True
) -> ImportBatch:
    from django.db import transaction

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportStatus.READY and not can_import_again(batch):
            raise ValidationError(
                _("This file is not waiting for confirmation (it may have been imported already).")
            )
        batch.message = ""
        if mode in ImportMode.values:
            batch.mode = mode
        batch.status = ImportStatus.IMPORTING
        batch.import_job = job_start(
            kind="enterprises.import",
            title=_("Import of %(file)s") % {"file": batch.filename},
            user=user,
            params={"batch": batch.pk},
            enqueue=enqueue,
        )
        batch.save(update_fields=["mode", "status", "import_job", "message"])
    return batch


def _stopped(batch: ImportBatch) -> str:
    """The batch's status, or what it should be when its job failed but the failure hook
    could not mark the batch (the database was busy at that moment): never stuck."""
    job = {ImportStatus.CHECKING: batch.check_job, ImportStatus.IMPORTING: batch.import_job}.get(
        batch.status
    )
    if job is not None and job.status == JobStatus.FAILED:
        return (
            ImportStatus.REJECTED if batch.status == ImportStatus.CHECKING else ImportStatus.FAILED
        )
    return batch.status


def can_import_again(batch: ImportBatch) -> bool:
    """A failed import wrote nothing and its checked rows are still there: it can be started
    again (after a crash, or in the other mode)."""
    return _stopped(batch) == ImportStatus.FAILED and bool(batch.checked_file)


def can_recheck(batch: ImportBatch) -> bool:
    """A rejected or failed batch can be checked again from its stored file (after a crash,
    after a limit was raised, or when what changed since the check made the import fail)."""
    return _stopped(batch) in (ImportStatus.REJECTED, ImportStatus.FAILED) and bool(batch.file)


def import_recheck(*, user, batch: ImportBatch, enqueue: bool = True) -> ImportBatch:
    """Check a rejected or failed batch's file again, as a new check job."""
    from django.db import transaction

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if not can_recheck(batch):
            if _stopped(batch) in (ImportStatus.READY, ImportStatus.DONE):
                raise ValidationError(
                    _(
                        "This file passed its check and cannot be checked again; to check a "
                        "changed file, upload it again."
                    )
                )
            raise ValidationError(
                _("This file cannot be checked again now (it is being checked or imported).")
            )
        for stored in (batch.error_file, batch.checked_file):
            if stored:
                stored.delete(save=False)
        batch.status = ImportStatus.CHECKING
        batch.message = ""
        batch.preview = {}
        batch.result = {}
        batch.import_job = None
        batch.check_job = job_start(
            kind="enterprises.import_check",
            title=_("Check of %(file)s") % {"file": batch.filename},
            user=user,
            params={"batch": batch.pk},
            enqueue=enqueue,
        )
        batch.save(
            update_fields=[
                "status", "message", "preview", "result", "error_file", "checked_file",
                "import_job", "check_job",
            ]
        )  # fmt: skip
    return batch


def import_batch_list(*, user):
    return scoped(ImportBatch.objects.select_related("created_by", "check_job", "import_job"), user)
