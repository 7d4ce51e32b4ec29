"""Audited writes. Every service that changes a user-visible record goes through here, so
each write leaves one AuditLog row with who, when, what, before and after."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext

from fugong.core import context
from fugong.core.bulk import insert_rows
from fugong.core.masking import MASKED, audit_mask, mask_text, masks_inside  # noqa: F401
from fugong.core.models import AuditAction, AuditLog

M = TypeVar("M", bound=models.Model)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    return value


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def snapshot_values(
    model: type[models.Model], values: dict[str, Any], *, skip_empty: bool = False
) -> dict[str, Any]:
    """What ``snapshot`` gives for an object of ``model`` whose field values (by attname) are
    ``values``, without building the object (bulk writes). ``skip_empty`` leaves out empty
    fields (for a new object: what it was created with, not every blank)."""
    data: dict[str, Any] = {}
    plain, converters, missing = _PLAIN_TYPES, _TO_PLAIN, _MISSING  # looked up once per row
    for name, attname, masked in _snapshot_spec(model):
        value = values.get(attname, missing)
        if value is missing or (skip_empty and (value is None or value == "")):
            continue
        if masked:
            data[name] = audit_mask(value, inside=masked == "inside")
        elif type(value) in plain:
            data[name] = value
        else:
            to_plain = converters.get(type(value))
            data[name] = to_plain(value) if to_plain is not None else _plain(value)
    return data


_MISSING = object()


# The usual types that are not JSON, each with its one conversion (a bulk write of 100,000
# rows meets 300,000 amounts and dates: one dictionary look-up each, not a chain of
# isinstance).
_TO_PLAIN = {
    decimal.Decimal: str,
    datetime.date: datetime.date.isoformat,
    datetime.datetime: datetime.datetime.isoformat,
    datetime.time: datetime.time.isoformat,
    uuid.UUID: str,
}


_SPECS: dict[type, list[tuple[str, str, str]]] = {}


def _mask_mode(field, masked: set[str]) -> str:
    """The mode: "" (kept), "whole" (a phone or ID field: ******) or "inside" (text and JSON:
    the numbers inside masked), for a field of a model with ``audit_masked_fields``."""
    if field.name not in masked:
        return ""
    return "inside" if masks_inside(field) else "whole"


def _snapshot_spec(model: type[models.Model]) -> list[tuple[str, str, str]]:
    spec = _SPECS.get(model)
    if spec is None:
        masked = set(getattr(model, "audit_masked_fields", ()))
        excluded = set(getattr(model, "audit_excluded_fields", ()))
        spec = [
            (f.name, f.attname, _mask_mode(f, masked))
            for f in model._meta.concrete_fields
            if f.name not in excluded
        ]
        _SPECS[model] = spec
    return spec


def snapshot(obj: models.Model, *, with_m2m: bool = True) -> dict[str, Any]:
    """The record's own field values (foreign keys as ids, many-to-many as sorted id lists).
    Fields named in the model's ``audit_masked_fields`` are kept as a marker, not the value
    (free text and JSON: with the phone and ID numbers inside masked, see
    ``fugong.core.masking.audit_mask``); ``audit_excluded_fields`` are left out (e.g. password
    hashes)."""
    masked = set(getattr(obj, "audit_masked_fields", ()))
    excluded = set(getattr(obj, "audit_excluded_fields", ()))
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in excluded:
            continue
        value = getattr(obj, field.attname)
        mode = _mask_mode(field, masked)
        data[field.name] = (
            audit_mask(_plain(value), inside=mode == "inside") if mode else _plain(value)
        )
    if obj.pk and with_m2m:
        for field in obj._meta.many_to_many:
            if field.name not in excluded:
                data[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return data


def _entry(*, actor, obj: models.Model, action: str, before, after, reason: str) -> AuditLog:
    ctx = context.current()
    is_user = actor is not None and getattr(actor, "pk", None) is not None
    return AuditLog(
        actor=actor if is_user else None,
        actor_name=(actor.get_username() if is_user else str(actor or "system"))[:150],
        request_id=ctx.request_id if ctx else "",
        action=action,
        content_type=ContentType.objects.get_for_model(obj._meta.model, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=mask_text(str(obj))[:200],
        before=before,
        after=after,
        reason=mask_text(reason)[:500],
    )


def record(
    *,
    actor,
    obj: models.Model,
    action: str,
    before: dict | None,
    after: dict | None,
    reason: str = "",
) -> AuditLog:
    entry = _entry(actor=actor, obj=obj, action=action, before=before, after=after, reason=reason)
    entry.save()
    return entry


def record_many(
    *,
    actor,
    model: type[models.Model],
    changes: Iterable[tuple[Any, str, str, dict | None, dict | None]],
    reason: str = "",
) -> int:
    """Audit rows for a bulk write (imports, demo data): one row per changed object.
    ``changes`` holds (pk, repr, action, before, after) of objects of ``model`` (an iterable:
    made as the rows are written, with no query in it)."""
    ctx = context.current()
    is_user = actor is not None and getattr(actor, "pk", None) is not None
    actor_id = actor.pk if is_user else None
    actor_name = (actor.get_username() if is_user else str(actor or "system"))[:150]
    content_type_id = ContentType.objects.get_for_model(model, for_concrete_model=True).pk
    request_id = ctx.request_id if ctx else ""
    now = timezone.now()
    columns = ["at", "actor_id", "actor_name", "request_id", "action", "content_type_id",
               "object_id", "object_repr", "before", "after", "reason"]  # fmt: skip
    reason = mask_text(reason)[:500]
    rows = (
        (now, actor_id, actor_name, request_id, action, content_type_id, str(pk),
         mask_text(str(text))[:200], before, after, reason)
        for pk, text, action, before, after in changes
    )  # fmt: skip
    return insert_rows(AuditLog, columns, rows)


@transaction.atomic
def audited_create(model: type[M], *, actor, reason: str = "", m2m=None, **fields) -> M:
    obj = model(**fields)
    obj.full_clean()
    obj.save()
    for name, values in (m2m or {}).items():
        getattr(obj, name).set(values)
    record(
        actor=actor,
        obj=obj,
        action=AuditAction.CREATE,
        before=None,
        after=snapshot(obj),
        reason=reason,
    )
    return obj


@transaction.atomic
def audited_update(obj: M, *, actor, reason: str = "", m2m=None, **changes) -> M:
    """Apply ``changes``; write nothing (and no audit row) when nothing changes."""
    before = snapshot(obj)
    changed = [name for name, value in changes.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, changes[name])
    m2m_changed = []
    for name, values in (m2m or {}).items():
        ids = sorted(v.pk if isinstance(v, models.Model) else v for v in values)
        if before.get(name) != ids:
            m2m_changed.append((name, ids))
    if not changed and not m2m_changed:
        return obj
    if changed:
        obj.full_clean()
        update_fields = [obj._meta.get_field(n).name for n in changed]
        if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
            update_fields.append("updated_at")
        obj.save(update_fields=update_fields)
    for name, ids in m2m_changed:
        getattr(obj, name).set(ids)
    record(
        actor=actor,
        obj=obj,
        action=AuditAction.UPDATE,
        before=before,
        after=snapshot(obj),
        reason=reason,
    )
    return obj


@transaction.atomic
def audited_delete(obj: models.Model, *, actor, reason: str = "") -> None:
    before = snapshot(obj)
    record(
        actor=actor, obj=obj, action=AuditAction.DELETE, before=before, after=None, reason=reason
    )
    obj.delete()


def history_for(obj: models.Model):
    ct = ContentType.objects.get_for_model(type(obj), for_concrete_model=True)
    return AuditLog.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")


# ---------------------------------------------------------------------------- history display


@dataclass(frozen=True)
class ShownChange:
    """One changed field of a history entry, as a person reads it."""

    name: str  # the field's name in the snapshot
    label: str  # its verbose name, in the user's language
    before: str
    after: str


@dataclass
class ShownEntry:
    entry: AuditLog
    changes: list[ShownChange]


def _fields_by_name(model: type[models.Model]) -> dict[str, models.Field]:
    fields = {f.name: f for f in model._meta.concrete_fields}
    fields.update({f.name: f for f in model._meta.many_to_many})
    return fields


def _names(model: type[models.Model], ids: set) -> dict[str, str]:
    """The names (``str()``, phone and ID numbers masked) of the objects of ``model`` with
    these ids, keyed by the id as text; one query."""
    try:
        objects = model._default_manager.filter(pk__in=ids)
        return {str(o.pk): mask_text(str(o)) for o in objects}
    except (ValueError, TypeError):  # ids of the wrong type in an old row
        return {}


def _datetime_text(value: str) -> str:
    parsed = parse_datetime(value)
    if parsed is None:
        return value
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return parsed.strftime("%Y-%m-%d %H:%M:%S")


def _value_text(field: models.Field | None, value: Any, names: dict) -> str:
    """``value`` (as stored in a snapshot) as a person reads it: a choice by its label, a
    related object by its name, a boolean as Yes / No (是/否), a time in local time."""
    if value is None or value == "":
        return ""
    if value == MASKED:
        return value
    if field is None:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if field.many_to_many:
        if not isinstance(value, list):
            return str(value)
        known = names.get(field.related_model, {})
        return "、".join(known.get(str(v), f"#{v}") for v in value)
    if field.is_relation:
        return names.get(field.related_model, {}).get(str(value), f"#{value}")
    if isinstance(field, models.BooleanField):
        return gettext("Yes") if value else gettext("No")
    if field.choices:
        choices = {str(k): v for k, v in field.flatchoices}
        if str(value) in choices:
            return str(choices[str(value)])
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        return _datetime_text(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def history_display(model: type[models.Model], entries) -> list[ShownEntry]:
    """History entries of objects of ``model`` as people read them: each changed field by its
    verbose name, in the model's field order, with values shown by ``_value_text``. The names
    of related objects are read with one query per related model for all the entries."""
    entries = list(entries)
    fields = _fields_by_name(model)
    order = {name: i for i, name in enumerate(fields)}
    wanted: dict[type[models.Model], set] = {}
    for entry in entries:
        for name, old, new in entry.changes():
            field = fields.get(name)
            if field is None or not field.is_relation or field.related_model is None:
                continue
            for value in (old, new):
                values = value if isinstance(value, list) else [value]
                for v in values:
                    if v not in (None, "", MASKED) and not isinstance(v, dict | list):
                        wanted.setdefault(field.related_model, set()).add(v)
    names = {related: _names(related, ids) for related, ids in wanted.items()}
    shown = []
    for entry in entries:
        changes = sorted(entry.changes(), key=lambda c: (order.get(c[0], len(order)), c[0]))
        rows = []
        for name, old, new in changes:
            field = fields.get(name)
            before, after = _value_text(field, old, names), _value_text(field, new, names)
            if before == after:
                continue  # e.g. a time that moved by less than a second
            label = capfirst(str(field.verbose_name)) if field is not None else name
            rows.append(ShownChange(name, label, before, after))
        shown.append(ShownEntry(entry, rows))
    return shown
