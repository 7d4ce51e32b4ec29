"""Narrative report templates: the .docx files shipped with Fugong and those a command office
uploads for its subtree (the nearest jurisdiction's active template applies, else the shipped
one), their checks on upload, and rendering.

Templates are docxtpl files: Jinja placeholders in a Word document. They are rendered in
Jinja's sandbox (an uploaded file is not trusted code), with every value escaped for the XML
and an unknown name an error rather than an empty string, with limits on loops, sizes, time
and memory (``sandbox.py``); a template over a limit is refused at upload, when it is tried
on the node's real figures."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError

from fugong.accounts.models import Jurisdiction
from fugong.core import tree
from fugong.core.audit import audited_create, audited_update
from fugong.core.errors import NotAllowed, UserError
from fugong.core.orphans import save_upload
from fugong.core.scope import scoped
from fugong.reports import context as C
from fugong.reports import sandbox
from fugong.reports.choices import NARRATIVE_KINDS, ReportKind
from fugong.reports.models import ReportTemplate
from fugong.stats.selectors import visible_node
from fugong.stats.services import can_configure

SHIPPED_DIR = Path(__file__).resolve().parent / "data" / "report_templates"
SHIPPED = {
    ReportKind.NARRATIVE_TOWN: "narrative_town.docx",
    ReportKind.NARRATIVE_COUNTY: "narrative_county.docx",
}
# The names a template of each kind may use (both shapes read the same figures).
PLACEHOLDERS: dict[str, frozenset[str]] = {kind: C.PLACEHOLDER_NAMES for kind in NARRATIVE_KINDS}
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


def jinja_env() -> sandbox.LimitedEnvironment:
    return sandbox.LimitedEnvironment(autoescape=True)


def shipped_path(kind: str) -> Path:
    return SHIPPED_DIR / SHIPPED[kind]


def template_for(node: Jurisdiction, kind: str) -> ReportTemplate | None:
    """The active uploaded template of the nearest jurisdiction at or above the node."""
    return tree.nearest(
        ReportTemplate.objects.filter(kind=kind, is_active=True).order_by("-created_at", "-id"),
        node,
    )


def template_source(node: Jurisdiction, kind: str) -> tuple[bytes, ReportTemplate | None]:
    """The template's bytes a report for the node uses, and the upload it came from (None:
    the shipped one)."""
    uploaded = template_for(node, kind)
    if uploaded is not None:
        with uploaded.file.open("rb") as f:
            return f.read(), uploaded
    return shipped_path(kind).read_bytes(), None


def _fill(data: bytes, context: dict) -> bytes:
    from docxtpl import DocxTemplate

    doc = DocxTemplate(io.BytesIO(data))
    doc.render(context, jinja_env=jinja_env(), autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _over_limit(reason: str) -> UserError:
    return UserError(
        _("The report template cannot be used: %(reason)s.") % {"reason": reason},
        code="template_limit",
    )


def render(data: bytes, context: dict) -> bytes:
    """The filled .docx, rendered in the sandbox within its limits (in a child process with a
    time and memory cap). A template error or a limit reached becomes a UserError saying what
    is wrong."""
    try:
        return sandbox.run_bounded(_fill, data, context)
    except sandbox.RenderAborted as exc:
        raise _over_limit(exc.message) from None
    except sandbox.TemplateLimit as exc:
        raise _over_limit(exc.message) from None
    except RecursionError:
        raise _over_limit(_("it calls itself too deeply")) from None
    except MemoryError:
        raise _over_limit(_("it needs too much memory to fill in")) from None
    except UndefinedError as exc:
        raise UserError(
            _("The report template uses something Fugong does not have: %(error)s.")
            % {"error": exc.message},
            code="template_undefined",
        ) from None
    except TemplateError as exc:
        raise UserError(
            _("The report template cannot be filled in: %(error)s.") % {"error": exc.message},
            code="template_error",
        ) from None


def docx_text(data: bytes) -> str:
    """The text of a .docx: its paragraphs, then its tables' cells, then headers and footers."""
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in doc.sections:
        for part in (section.header, section.footer):
            parts.extend(p.text for p in part.paragraphs)
    return "\n".join(parts)


# ---------------------------------------------------------------------------- checks


def _not_docx(name: str) -> UserError:
    return UserError(
        _(
            "“%(name)s” is not a Word document (.docx). Open it in Word or WPS, save it as "
            ".docx and upload it again."
        )
        % {"name": name},
        code="not_docx",
    )


def check_template(data: bytes, *, name: str, kind: str, sample: dict) -> None:
    """Refuse a template that is not a .docx, whose placeholders are malformed or unknown,
    that cannot be filled with ``sample`` (a real context) or that would still leave a
    placeholder mark (XX, X月X日, *) in the report. Each refusal says what to fix."""
    from docxtpl import DocxTemplate

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _not_docx(name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if "word/document.xml" not in z.namelist():
                raise _not_docx(name)
        doc = DocxTemplate(io.BytesIO(data))
        used = doc.get_undeclared_template_variables(jinja_env=jinja_env())
    except TemplateSyntaxError as exc:
        raise UserError(
            _(
                "The placeholders of “%(name)s” cannot be read: %(error)s. Check the {{ … }} and "
                "{%% … %%} around it."
            )
            % {"name": name, "error": exc.message},
            code="template_syntax",
        ) from None
    except UserError:
        raise
    except Exception:  # noqa: BLE001 - a damaged file of any kind gets the same sentence
        raise _not_docx(name) from None
    unknown = sorted(used - PLACEHOLDERS[kind])
    if unknown:
        raise UserError(
            _(
                "“%(name)s” uses placeholders Fugong does not know: %(unknown)s. Use only the "
                "names listed on this page."
            )
            % {"name": name, "unknown": ", ".join(unknown)},
            code="unknown_placeholder",
        )
    filled = render(data, sample)
    left = C.leftovers(docx_text(filled))
    if left:
        raise UserError(
            _(
                "“%(name)s” would still print %(marks)s in the report; replace each with a "
                "placeholder or with words."
            )
            % {"name": name, "marks": "、".join(f"“{m}”" for m in left)},
            code="placeholder_left",
        )


def sample_context(*, user, node: Jurisdiction) -> dict:
    """A real context (the node's figures today) to try a template with."""
    day = timezone.localdate()
    figures = C.report_figures(user=user, node=node, day=day)
    return C.live_context(user=user, node=node, day=day, figures=figures)


# ---------------------------------------------------------------------------- writes


def _own_node(user, node: Jurisdiction) -> Jurisdiction:

    return visible_node(user=user, value=node)


def _check_configure(user, node: Jurisdiction) -> None:

    if not can_configure(user, node):
        raise NotAllowed(
            _("Only the command office of %(name)s may change its report templates.")
            % {"name": node.name}
        )


def template_upload(*, user, node: Jurisdiction, kind: str, uploaded_file) -> ReportTemplate:
    """Check an uploaded .docx and make it the node's template of that kind (the one it
    replaces stays listed, not in use)."""
    node = _own_node(user, node)
    _check_configure(user, node)
    if kind not in NARRATIVE_KINDS:
        raise UserError(_("Choose which narrative report the template is for."), code="bad_kind")
    if uploaded_file is None:
        raise UserError(_("Choose a .docx file to upload."), code="no_file")
    name = Path(getattr(uploaded_file, "name", "") or "template.docx").name[:200]
    if getattr(uploaded_file, "size", 0) and uploaded_file.size > MAX_TEMPLATE_BYTES:
        raise UserError(
            _("“%(name)s” is larger than 5 MB; a report template is a few pages of text.")
            % {"name": name},
            code="too_large",
        )
    data = uploaded_file.read()
    if len(data) > MAX_TEMPLATE_BYTES:
        raise UserError(
            _("“%(name)s” is larger than 5 MB; a report template is a few pages of text.")
            % {"name": name},
            code="too_large",
        )
    check_template(data, name=name, kind=kind, sample=sample_context(user=user, node=node))
    stored_name = f"{node.code}-{kind}-{timezone.localtime():%Y%m%d%H%M%S}.docx"
    with transaction.atomic():
        for old in ReportTemplate.objects.select_for_update().filter(
            jurisdiction=node, kind=kind, is_active=True
        ):
            audited_update(old, actor=user, is_active=False)
        return audited_create(
            ReportTemplate,
            actor=user,
            jurisdiction=node,
            kind=kind,
            file=save_upload(ReportTemplate().file, stored_name, ContentFile(data)),
            filename=name,
            uploaded_by=user,
            is_active=True,
        )


def template_set_active(*, user, template: ReportTemplate, active: bool) -> ReportTemplate:
    """Put an uploaded template back in use (retiring the node's other one of that kind) or
    out of use (the one above, or the shipped one, applies again)."""
    node = _own_node(user, template.jurisdiction)
    _check_configure(user, node)
    with transaction.atomic():
        if active:
            for old in (
                ReportTemplate.objects.select_for_update()
                .filter(jurisdiction=node, kind=template.kind, is_active=True)
                .exclude(pk=template.pk)
            ):
                audited_update(old, actor=user, is_active=False)
        return audited_update(template, actor=user, is_active=active)


def template_list(*, user, node: Jurisdiction):
    """Uploaded templates of the node and of the jurisdictions above it that the user may see."""
    return (
        scoped(ReportTemplate.objects.all(), user)
        .filter(jurisdiction__path__in=tree.ancestor_paths(node))
        .select_related("jurisdiction", "uploaded_by")
        .order_by("kind", "-jurisdiction__depth", "-created_at", "-id")
    )


def template_get(*, user, pk: int) -> ReportTemplate:
    found = scoped(ReportTemplate.objects.all(), user).select_related("jurisdiction").filter(pk=pk)
    template = found.first()
    if template is None:
        raise UserError(_("There is no such report template in your area."), status=404)
    return template
