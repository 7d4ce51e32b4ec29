"""Starting, confirming and checking again an import, for any registered kind, and the
header mappings an office keeps. Every status change goes through ``workflow.BATCHES``."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fugong.core.audit import audited_create, audited_delete, audited_update
from fugong.core.files import safe_filename, stored_name
from fugong.core.imports.models import HeaderMapping, ImportBatch, ImportMode, ImportStatus
from fugong.core.imports.registry import importer
from fugong.core.imports.workflow import BATCHES, SYSTEM
from fugong.core.jobs import job_start
from fugong.core.models import JobStatus
from fugong.core.orphans import save_upload
from fugong.core.scope import scoped
from fugong.core.tabular import mapping_key, spreadsheet_kind

CHECK_JOB = "imports.check"
COMMIT_JOB = "imports.commit"


def _start_check(*, user, batch: ImportBatch, enqueue: bool):
    return job_start(
        kind=CHECK_JOB,
        title=job_title(_("Check of %(file)s"), batch),
        user=user,
        params={"batch": batch.pk},
        enqueue=enqueue,
    )


def job_title(template: str, batch: ImportBatch) -> str:
    """A job's name with the file's, within the 200 characters a job's name may have."""
    return (template % {"file": batch.filename})[:200]


def check_size(size: int) -> None:
    """Refuse an upload larger than FUGONG_MAX_UPLOAD_MB (pages and the API call this with
    the size the request announced, before reading the file) or empty."""
    if size > settings.FUGONG_MAX_UPLOAD_MB * 1024 * 1024:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)d MB; split it into smaller files.")
                % {"mb": settings.FUGONG_MAX_UPLOAD_MB}
            }
        )
    if not size:
        raise ValidationError({"file": _("The file is empty.")})


def place_options(*, kind: str, user, place) -> dict:
    """The options naming the place a batch's rows without one go to (its id and, for the
    pages, its name): one of the user's places for ``kind`` (ValidationError otherwise)."""
    if place in (None, ""):
        return {}
    choices = dict(importer(kind).places(user))
    try:
        place = int(place)
    except (TypeError, ValueError):
        place = None
    if place not in choices:
        raise ValidationError({"place": _("Choose one of your places.")})
    return {"place": place, "place_name": choices[place]}


def batch_start(
    *,
    kind: str,
    user,
    filename: str,
    content: bytes,
    mode: str,
    place=None,
    enqueue: bool = True,
) -> ImportBatch:
    """Store an uploaded file and start checking it (nothing is written but the batch)."""
    if mode not in ImportMode.values:
        raise ValidationError(
            {"mode": _("Choose how to import: all or nothing, or keep the good rows.")}
        )
    check_size(len(content))
    options = place_options(kind=kind, user=user, place=place)
    batch = ImportBatch(
        kind=kind, created_by=user, filename=safe_filename(filename), mode=mode, options=options
    )
    # Stored under a generated name: nothing the user typed reaches the storage path.
    save_upload(batch.file, stored_name(spreadsheet_kind(content), "import"), ContentFile(content))
    batch.save()
    batch.check_job = _start_check(user=user, batch=batch, enqueue=enqueue)
    batch.save(update_fields=["check_job"])
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


def _unstuck(batch: ImportBatch) -> ImportBatch:
    """Take the step the failed job's hook could not take (on the locked batch)."""
    if _stopped(batch) == batch.status:
        return batch
    action = "reject" if batch.status == ImportStatus.CHECKING else "fail"
    job = batch.check_job if action == "reject" else batch.import_job
    return BATCHES.apply(batch, actor=SYSTEM, action=action, locked=True, message=job.error)


def can_import_again(batch: ImportBatch) -> bool:
    """A failed import wrote nothing and its checked rows are still there: it can be started
    again (after a crash, or in the other mode)."""
    return _stopped(batch) == ImportStatus.FAILED and bool(batch.checked_file)


def can_recheck(batch: ImportBatch) -> bool:
    """A rejected or failed batch can be checked again from its stored file (after a crash,
    after a limit was raised, or when what changed since the check made the import fail)."""
    return _stopped(batch) in (ImportStatus.REJECTED, ImportStatus.FAILED) and bool(batch.file)


def _locked(batch: ImportBatch) -> ImportBatch:
    return ImportBatch.objects.select_for_update(of=("self",)).get(pk=batch.pk)


def batch_confirm(
    *,
    user,
    batch: ImportBatch,
    mode: str | None = None,
    revision: int | str | None = None,
    enqueue: bool = True,
) -> ImportBatch:
    """The uploader confirms a checked file (or a failed import, again): the import job.
    ``revision``: the batch's revision the user's page showed (``Conflict`` when it moved)."""
    with transaction.atomic():
        batch = _locked(batch)
        BATCHES.check_revision(batch, revision)
        if batch.status != ImportStatus.READY and not can_import_again(batch):
            raise ValidationError(
                _("This file is not waiting for confirmation (it may have been imported already).")
            )
        batch = _unstuck(batch)
        action = "confirm" if batch.status == ImportStatus.READY else "import_again"
        job = job_start(
            kind=COMMIT_JOB,
            title=job_title(_("Import of %(file)s"), batch),
            user=user,
            params={"batch": batch.pk},
            enqueue=enqueue,
        )
        batch = BATCHES.apply(
            batch,
            actor=user,
            action=action,
            locked=True,
            message="",
            mode=mode if mode in ImportMode.values else batch.mode,
            import_job=job,
        )
    return batch


def _imported() -> str:
    return _(
        "This file has been imported already, so it is not checked again; to import a "
        "changed file, upload it again."
    )


def batch_recheck(
    *, user, batch: ImportBatch, revision: int | str | None = None, enqueue: bool = True
) -> ImportBatch:
    """Check a rejected or failed batch's file again, as a new check job."""
    with transaction.atomic():
        batch = _locked(batch)
        BATCHES.check_revision(batch, revision)
        if not can_recheck(batch):
            if _stopped(batch) == ImportStatus.DONE:
                raise ValidationError(_imported())
            if _stopped(batch) == ImportStatus.READY:
                raise ValidationError(
                    _(
                        "This file passed its check and cannot be checked again; to check a "
                        "changed file, upload it again."
                    )
                )
            raise ValidationError(
                _("This file cannot be checked again now (it is being checked or imported).")
            )
        return _check_again(user=user, batch=_unstuck(batch), enqueue=enqueue)


def _check_again(
    *, user, batch: ImportBatch, enqueue: bool, action: str = "recheck", **changes
) -> ImportBatch:
    for stored in (batch.error_file, batch.checked_file):
        if stored:
            stored.delete(save=False)
    batch.save(update_fields=["error_file", "checked_file"])
    return BATCHES.apply(
        batch,
        actor=user,
        action=action,
        locked=True,
        message="",
        preview={},
        result={},
        import_job=None,
        check_job=_start_check(user=user, batch=batch, enqueue=enqueue),
        **changes,
    )


def _choice_keys(preview: dict) -> dict[str, tuple[str, str | None]]:
    """What a submitted header may be (its key, the header as shown, or as the file has it)
    -> (its key, its current choice), for the headers this file's preview showed (not
    recognised, ignored or mapped)."""
    choices = preview.get("choices")
    if choices is None:  # a preview from before the mapping table showed every choice
        choices = [
            *({"header": h, "field": None} for h in preview.get("unknown_headers", [])),
            *({"header": h, "field": ""} for h in preview.get("ignored", [])),
            *({"header": h, "field": "?"} for h in preview.get("mapped", {})),
        ]
    found: dict[str, tuple[str, str | None]] = {}
    for entry in choices:
        key = entry.get("key") or mapping_key(entry["header"])
        if key:
            for name in (key, entry["header"], mapping_key(entry["header"])):
                found.setdefault(name, (key, entry["field"]))
    return found


def recognised_fields(kind: str, preview: dict) -> set[str]:
    """The fields the file has under their own headers (a mapping cannot take them)."""
    labels = set(preview.get("columns", [])) - set(preview.get("mapped", {}).values())
    return {c.field for c in importer(kind).columns if c.label in labels}


def _refuse_clashes(
    *, kind: str, preview: dict, chosen: dict[str, str], forgotten: set[str]
) -> None:
    """ValidationError naming them when the mapping, as it would be after this change, reads
    two columns as one field, or a column as a field the file has under its own header."""
    labels = {c.field: c.label for c in importer(kind).columns}
    names: dict[str, str] = {}
    result: dict[str, str] = {}
    for entry in preview.get("choices", []):
        key = entry.get("key") or mapping_key(entry["header"])
        names[key] = entry["header"]
        if entry["field"] and key not in forgotten:
            result[key] = entry["field"]
    result = {k: f for k, f in (result | chosen).items() if f}
    by_field: dict[str, list[str]] = {}
    for key, field in result.items():
        by_field.setdefault(field, []).append(names.get(key, key))
    problems = []
    own = recognised_fields(kind, preview)
    for field, headers in by_field.items():
        quoted = "、".join(f"“{h}”" for h in headers)
        if field in own:
            problems.append(
                _(
                    "%(headers)s cannot be read as %(field)s: the file has that column under "
                    "its own header. Choose another field, or ignore the column."
                )
                % {"headers": quoted, "field": f"“{labels[field]}”"}
            )
        elif len(headers) > 1:
            problems.append(
                _(
                    "%(headers)s are all read as %(field)s, but one field is read from one "
                    "column only. Choose another field for the others, or ignore them."
                )
                % {"headers": quoted, "field": f"“{labels[field]}”"}
            )
    if problems:
        raise ValidationError(problems)


def batch_map_headers(
    *,
    user,
    batch: ImportBatch,
    mapping: dict[str, str | None],
    revision: int | str | None = None,
    enqueue: bool = True,
) -> ImportBatch:
    """Say what the headers of the file's mapping table mean (a field of the importer, ``""``:
    ignore the column, or ``None``: forget the choice made before), remember it for the
    user's office, and check the file again with it. Only a checked file not imported yet
    (ready or rejected) is checked again."""
    kind = importer(batch.kind)
    fields = {c.field for c in kind.columns}
    with transaction.atomic():
        batch = _locked(batch)
        BATCHES.check_revision(batch, revision)
        shown = _choice_keys(batch.preview or {})
        chosen: dict[str, str] = {}
        forgotten: set[str] = set()
        unknown = []
        for header, field in mapping.items():
            key, current = shown.get(header) or shown.get(mapping_key(header)) or ("", None)
            if not key or (field not in (None, "") and field not in fields):
                unknown.append((f"{header}→{field}" if key else str(header))[:60])
                continue
            if field is None:
                if current is not None:  # a choice made before, undone
                    forgotten.add(key)
            else:
                chosen[key] = field
        if BATCHES.find("remap", batch) is None:
            if _stopped(batch) == ImportStatus.DONE:
                raise ValidationError(_imported())
            raise ValidationError(
                _("This file cannot be checked again now (it is being checked or imported).")
            )
        if unknown:
            raise ValidationError(
                _(
                    "%(what)s: not a header of this file's table or not a column of the ledger; "
                    "choose among the headers and columns the page shows."
                )
                % {"what": "、".join(unknown[:5])}
            )
        _refuse_clashes(
            kind=batch.kind, preview=batch.preview or {}, chosen=chosen, forgotten=forgotten
        )
        # The uploader's office: its next files are read with these choices (an administrator
        # mapping a town's file maps it for the town).
        office = kind.office_key(batch.created_by)
        stored = {
            m.header: m
            for m in HeaderMapping.objects.select_for_update().filter(
                kind=batch.kind,
                scope=office,
                header__in=[h[:100] for h in {*chosen, *forgotten}],
            )
        }
        for header, field in chosen.items():
            mapping_row = stored.get(header[:100])
            if mapping_row is None:
                audited_create(
                    HeaderMapping,
                    actor=user,
                    kind=batch.kind,
                    scope=office,
                    header=header[:100],
                    field=field,
                    updated_by=user,
                )
            elif mapping_row.field != field:
                audited_update(mapping_row, actor=user, field=field, updated_by=user)
        for header in forgotten:
            if (mapping_row := stored.get(header[:100])) is not None:
                audited_delete(mapping_row, actor=user)
        kept = {h: f for h, f in batch.options.get("mapping", {}).items() if h not in forgotten}
        options = batch.options | {"mapping": kept | chosen}
        return _check_again(
            user=user, batch=batch, enqueue=enqueue, action="remap", options=options
        )


def batch_list(*, user, kind: str | None = None) -> QuerySet[ImportBatch]:
    """The batches ``user`` may see (their own; all for a platform administrator)."""
    qs = scoped(ImportBatch.objects.select_related("created_by", "check_job", "import_job"), user)
    return qs.filter(kind=kind) if kind else qs
