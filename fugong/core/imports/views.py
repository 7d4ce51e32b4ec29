"""The import pages of every kind: upload, the batch (progress, preview, header mapping,
confirmation) and the error file. An app mounts them under its own URLs with its kind::

    path("import/", views.upload, {"kind": "enterprises"}, name="import_upload"),
    path("import/<int:pk>/", views.batch, {"kind": "enterprises"}, name="import"),
    path("import/<int:pk>/errors/", views.errors, {"kind": "enterprises"}, name="import_errors"),

and the importer names those URLs (``Importer.url_names``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fugong.core.errors import UserError
from fugong.core.imports import services
from fugong.core.imports.forms import ImportForm
from fugong.core.imports.models import ImportBatch, ImportMode, ImportStatus
from fugong.core.imports.registry import Importer, importer

IGNORE = "-"  # the mapping select's value for "ignore this column"


def _urls(kind: Importer) -> dict[str, str]:
    upload, batch, errors = kind.url_names
    return {"upload": upload, "batch": batch, "errors": errors}


@login_required
def upload(request: HttpRequest, kind: str) -> HttpResponse:
    imp = importer(kind)
    if not imp.may_import(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, importer=imp, user=request.user)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            services.check_size(file.size)  # before the file is read
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            try:
                batch = services.batch_start(
                    kind=kind,
                    user=request.user,
                    filename=file.name,
                    content=file.read(),
                    mode=form.cleaned_data["mode"],
                    place=form.cleaned_data.get("place"),
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("file", message)
            else:
                return redirect(imp.url_names[1], pk=batch.pk)
    context = {
        "form": form,
        "importer": imp,
        "urls": _urls(imp),
        "batches": services.batch_list(user=request.user, kind=kind)[:10],
    }
    return render(request, "imports/upload.html", context)


def _batch(request: HttpRequest, kind: str, pk: int) -> ImportBatch:
    found = services.batch_list(user=request.user, kind=kind).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _mapping(request: HttpRequest) -> dict[str, str | None]:
    """The header mapping submitted from the preview: header key -> field ("" = ignore,
    None = not chosen, which forgets a choice made before)."""
    mapping: dict[str, str | None] = {}
    for name, header in request.POST.items():
        if name.startswith("header-"):
            chosen = request.POST.get("field-" + name.removeprefix("header-"), "")
            mapping[header] = None if not chosen else "" if chosen == IGNORE else chosen
    return mapping


def _choices(preview: dict) -> list[dict]:
    """The rows of the preview's mapping table: every header not read under its own name,
    with its current choice (a field, IGNORE, or "" = not chosen)."""
    choices = preview.get("choices")
    if choices is None:  # a preview from before every choice was listed: the unknown ones
        unknown = preview.get("unknown_samples", {})
        choices = [
            {"header": h, "key": h, "field": None, "samples": unknown.get(h, [])}
            for h in preview.get("unknown_headers", [])
        ]
    return [
        {
            **entry,
            "index": index,
            "chosen": IGNORE if entry["field"] == "" else entry["field"] or "",
        }
        for index, entry in enumerate(choices)
    ]


@login_required
def batch(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    imp = importer(kind)
    found = _batch(request, kind, pk)
    if request.method == "POST":
        if not imp.may_import(request.user):
            raise PermissionDenied
        action = request.POST.get("action")
        revision = request.POST.get("revision") or None
        try:
            if action == "recheck":
                services.batch_recheck(user=request.user, batch=found, revision=revision)
            elif action == "map":
                services.batch_map_headers(
                    user=request.user, batch=found, mapping=_mapping(request), revision=revision
                )
            elif action in (None, "", "confirm"):
                services.batch_confirm(
                    user=request.user,
                    batch=found,
                    mode=request.POST.get("mode"),
                    revision=revision,
                )
            else:
                return HttpResponseBadRequest(
                    _("This form asks for a step that does not exist; reload the page.")
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except UserError as exc:  # a stale page (Conflict), a refused step (NotAllowed)
            messages.error(request, exc.message)
        return redirect(imp.url_names[1], pk=pk)
    may = imp.may_import(request.user)
    preview = found.preview or {}
    choices = _choices(preview)
    own = services.recognised_fields(kind, preview)
    context = {
        "batch": found,
        "importer": imp,
        "urls": _urls(imp),
        "job": found.import_job or found.check_job,
        "modes": ImportMode.choices,
        "can_recheck": services.can_recheck(found) and may,
        "can_import_again": services.can_import_again(found) and may,
        "can_map": may
        and found.status in (ImportStatus.READY, ImportStatus.REJECTED)
        and bool(choices),
        "choices": choices,
        # Columns with values that the import will not read, named on the confirmation.
        # (An ignored column too: ignoring it does not make its values go away unseen.)
        "dropped": [c["header"] for c in choices if c["samples"] and not c["field"]],
        "ignored": [c for c in choices if c["field"] == ""],
        # Not the fields the file has under their own headers: a mapping cannot take them.
        "fields": [(c.field, c.label) for c in imp.columns if c.field not in own],
        "ignore": IGNORE,
        "sample": [
            [r.get("row"), *(r.get(name, "") for name in imp.sample_fields)]
            for r in preview.get("sample", [])
        ],
        "place": found.options.get("place_name"),
        "result_url": imp.result_url(),
    }
    if request.htmx:
        return render(request, "imports/batch.html#state", context)
    return render(request, "imports/batch.html", context)


@login_required
def errors(request: HttpRequest, kind: str, pk: int) -> FileResponse:
    found = _batch(request, kind, pk)
    if not found.error_file:
        raise Http404
    return FileResponse(
        found.error_file.open("rb"),
        as_attachment=True,
        filename=f"有误的行-{found.filename.rsplit('.', 1)[0]}.xlsx",
    )
