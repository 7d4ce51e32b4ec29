"""Report pages: ask for a report (it runs as a job; the job page shows progress and the
download) and manage the narrative report templates of a jurisdiction. Views read input and
call ``fugong.reports.services``; a UserError comes back as a sentence with the input kept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.accounts.models import Jurisdiction
from fugong.accounts.selectors import jurisdiction_list, jurisdiction_roots
from fugong.core.errors import UserError
from fugong.core.ids import parse_id
from fugong.reports import services as reports
from fugong.reports import templates as T
from fugong.reports.choices import NARRATIVE_KINDS, ReportKind
from fugong.stats.figures import SNAPSHOT_MAX_DEPTH
from fugong.stats.services import can_configure

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _places(user, wanted: Jurisdiction | None = None) -> list[Jurisdiction]:
    """The jurisdictions offered in the selector: the user's own and those below them down to
    towns (any other visible one can be asked for by id)."""
    roots = jurisdiction_roots(user=user)
    depth = max([SNAPSHOT_MAX_DEPTH, *(r.depth for r in roots)])
    places = list(jurisdiction_list(user=user).filter(depth__lte=depth).order_by("path"))
    if wanted is not None and wanted not in places:
        places.append(wanted)
    top = min((p.depth for p in places), default=0)
    for p in places:
        p.indent = "\u00a0\u00a0" * (p.depth - top)  # shown before the name in the selector
    return places


def _place(request: HttpRequest, value) -> Jurisdiction | None:
    """The jurisdiction asked for (a 404 if it is not the user's), or the user's first."""
    pk = parse_id(value)
    if pk is None:
        roots = jurisdiction_roots(user=request.user)
        return roots[0] if roots else None
    found = jurisdiction_list(user=request.user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("That jurisdiction is not in your area; choose one of yours."))
    return found


@login_required
def report_request(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    error = ""
    place = None
    if request.method == "POST":
        try:
            job = reports.start_report(
                user=request.user,
                node=parse_id(data.get("jurisdiction")) or 0,
                day=data.get("day", ""),
                kind=data.get("kind", ""),
                next_steps=data.get("next_steps", ""),
                problems=data.get("problems", ""),
            )
        except UserError as exc:
            if exc.status == 404:
                raise Http404(exc.message) from None
            error = exc.message
        else:
            return redirect("core:job", job.pk)
    place = _place(request, data.get("jurisdiction"))
    kind = data.get("kind") if data.get("kind") in ReportKind.values else ReportKind.DAILY
    return render(
        request,
        "reports/reports.html",
        {
            "place": place,
            "places": _places(request.user, place),
            "kinds": ReportKind.choices,
            "kind": kind,
            "day": data.get("day") or timezone.localdate().isoformat(),
            "today": timezone.localdate().isoformat(),
            "next_steps": data.get("next_steps", ""),
            "problems": data.get("problems", ""),
            "error": error,
        },
        status=400 if error else 200,
    )


def _templates_page(request: HttpRequest, place: Jurisdiction, *, error: str = "", kind=""):
    in_use = []
    for k in NARRATIVE_KINDS:
        applies = reports.template_for(place, k)
        in_use.append({"kind": k, "label": ReportKind(k).label, "template": applies})
    return render(
        request,
        "reports/reports_templates.html",
        {
            "place": place,
            "places": _places(request.user, place),
            "in_use": in_use,
            "uploaded": T.template_list(user=request.user, node=place),
            "can_configure": can_configure(request.user, place),
            "kinds": [(k, ReportKind(k).label) for k in NARRATIVE_KINDS],
            "kind": kind,
            "placeholders": sorted(reports.PLACEHOLDER_HELP.items()),
            "intro": _(
                "A template is a Word document with placeholders such as {{ total.units }}. "
                "Download the one in use, edit the wording in Word or WPS and upload it: it then "
                "applies to this jurisdiction and to those below it that have none of their own."
            ),
            "syntax_help": _(
                "Write %(value)s for a value and %(field)s for a figure of a group. A list is "
                "printed with a loop, e.g. %(loop)s, %(item)s and %(end)s on three lines of "
                "their own. Rates print as %(rate)s, or — when nothing is to be divided by."
            )
            % {
                "value": "{{ name }}",
                "field": "{{ name.field }}",
                "loop": "{%p for p in next_steps %}",
                "item": "{{ p }}",
                "end": "{%p endfor %}",
                "rate": "46.2%",
            },
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
def template_page(request: HttpRequest) -> HttpResponse:
    place = _place(request, request.GET.get("jurisdiction"))
    if place is None:
        raise Http404(_("You have no jurisdiction to make reports for."))
    return _templates_page(request, place)


@login_required
@require_POST
def template_upload(request: HttpRequest) -> HttpResponse:
    place = _place(request, request.POST.get("jurisdiction"))
    if place is None:
        raise Http404
    kind = request.POST.get("kind", "")
    try:
        template = reports.template_upload(
            user=request.user, node=place, kind=kind, uploaded_file=request.FILES.get("file")
        )
    except UserError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        return _templates_page(request, place, error=exc.message, kind=kind)
    messages.success(
        request,
        _("“%(file)s” is now the %(report)s template of %(place)s.")
        % {
            "file": template.filename,
            "report": ReportKind(template.kind).label,
            "place": place.name,
        },
    )
    return redirect(f"{reverse('reports:report_templates')}?jurisdiction={place.pk}")


@login_required
@require_POST
def template_active(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        template = T.template_get(user=request.user, pk=pk)
    except UserError as exc:
        raise Http404(exc.message) from None
    try:
        T.template_set_active(
            user=request.user, template=template, active=request.POST.get("active") == "1"
        )
    except UserError as exc:
        return _templates_page(request, template.jurisdiction, error=exc.message)
    messages.success(request, _("Saved."))
    return redirect(
        f"{reverse('reports:report_templates')}?jurisdiction={template.jurisdiction_id}"
    )


@login_required
def template_shipped(request: HttpRequest, kind: str) -> FileResponse:
    """The template shipped with Fugong, to edit and upload."""
    if kind not in NARRATIVE_KINDS:
        raise Http404
    return FileResponse(
        T.shipped_path(kind).open("rb"),
        as_attachment=True,
        filename=T.SHIPPED[kind],
        content_type=DOCX,
    )


@login_required
def template_download(request: HttpRequest, pk: int) -> FileResponse:
    try:
        template = T.template_get(user=request.user, pk=pk)
    except UserError as exc:
        raise Http404(exc.message) from None
    return FileResponse(
        template.file.open("rb"), as_attachment=True, filename=template.filename, content_type=DOCX
    )


@login_required
def template_in_use(request: HttpRequest) -> FileResponse:
    """The template a report for the jurisdiction would use (uploaded here or above, else the
    shipped one): a town may start from its county's template."""
    place = _place(request, request.GET.get("jurisdiction"))
    kind = request.GET.get("kind", "")
    if place is None or kind not in NARRATIVE_KINDS:
        raise Http404
    template = reports.template_for(place, kind)
    if template is None:
        return template_shipped(request, kind)
    return FileResponse(
        template.file.open("rb"), as_attachment=True, filename=template.filename, content_type=DOCX
    )


urlpatterns = [
    path("reports/", report_request, name="reports"),
    path("reports/templates/", template_page, name="report_templates"),
    path("reports/templates/upload/", template_upload, name="report_template_upload"),
    path("reports/templates/in-use/", template_in_use, name="report_template_in_use"),
    path("reports/templates/shipped/<str:kind>/", template_shipped, name="report_template_shipped"),
    path(
        "reports/templates/<int:pk>/download/", template_download, name="report_template_download"
    ),
    path("reports/templates/<int:pk>/active/", template_active, name="report_template_active"),
]
