"""Resumption pages: the enterprise's filing page and form, the reviewer's queue, the on-site
acceptance checklist, the notice and the leadership pipeline. Views validate input and call
one service; a UserError comes back as a sentence on the same page, with the input kept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.accounts.choices import Role
from fugong.accounts.models import Office
from fugong.accounts.selectors import active_memberships, command_jurisdictions, user_roles
from fugong.core.errors import UserError
from fugong.core.files import file_response, sniff
from fugong.core.ids import parse_id
from fugong.core.scope import scoped
from fugong.enterprises.choices import Category
from fugong.enterprises.models import Enterprise, Park
from fugong.resumption import checks, policy, selectors, services, workflow
from fugong.resumption.choices import AttachmentKind, Status
from fugong.resumption.figures import filing_pipeline
from fugong.resumption.forms import (
    AcceptanceForm,
    ActionForm,
    ApplicationForm,
    AttachmentForm,
    ConfirmForm,
    GroupForm,
    PolicyForm,
    RuleForm,
    ScheduleForm,
)
from fugong.resumption.models import (
    AcceptanceAnswer,
    Filing,
    FilingAttachment,
    ResumptionPolicy,
)
from fugong.resumption.notice import notice_pdf, verify_url

PAGE_SIZE = 50


def _filing(request: HttpRequest, pk: int) -> Filing:
    try:
        return selectors.filing_get(user=request.user, pk=pk)
    except Filing.DoesNotExist as exc:
        raise Http404 from exc


def _own_enterprises(user):
    """Enterprises the user files for: their own, or the tenants of the parks they operate."""
    ids = [m.enterprise_id for m in active_memberships(user) if m.role == Role.ENTERPRISE]
    offices = [m.office_id for m in active_memberships(user) if m.role == Role.PARK_OPERATOR]
    qs = Enterprise.objects.filter(pk__in=ids) | Enterprise.objects.filter(
        park__operator_id__in=offices
    )
    return scoped(qs, user).order_by("name")


def _error_message(exc: Exception) -> str:
    if isinstance(exc, UserError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


@login_required
def filing_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.filing_list(user=request.user)
    status = request.GET.get("status", "")
    if status in Status.values:
        qs = qs.filter(status=status)
    enterprise_id = parse_id(request.GET.get("enterprise"))
    if enterprise_id:
        qs = qs.filter(enterprise_id=enterprise_id)
    page = Paginator(qs.order_by("-updated_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    own = _own_enterprises(request.user)
    return render(
        request,
        "resumption/list.html",
        {
            "page": page,
            "status": status,
            "statuses": Status.choices,
            "can_file": own.exists(),
            "is_park_operator": Role.PARK_OPERATOR in user_roles(request.user),
        },
    )


@login_required
def filing_create(request: HttpRequest) -> HttpResponse:
    own = _own_enterprises(request.user)
    if not own.exists():
        raise PermissionDenied
    wanted = parse_id(request.GET.get("enterprise") or request.POST.get("enterprise"))
    enterprise = own.filter(pk=wanted).first() if wanted else None
    if enterprise is None and own.count() == 1:
        enterprise = own.first()
    if enterprise is None:
        return render(request, "resumption/choose_enterprise.html", {"enterprises": own})
    existing = services.valid_filing(enterprise) or services.open_filing(enterprise)
    if existing and request.method == "GET":
        messages.info(
            request, _("%(name)s already has a filing; here it is.") % {"name": enterprise.name}
        )
        return redirect("resumption:detail", existing.pk)
    form = ApplicationForm(request.POST or None, initial={
        "has_canteen": enterprise.has_canteen, "has_dormitory": enterprise.has_dormitory,
        "has_commuter_bus": enterprise.has_commuter_bus,
        "has_isolation_room": enterprise.has_isolation_room,
    })  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            filing = services.filing_create(
                actor=request.user, enterprise=enterprise, **form.application()
            )
        except (UserError, ValidationError) as exc:
            form.add_error(None, _error_message(exc))
        else:
            messages.success(request, _("Draft saved. Attach the files, then submit."))
            return redirect("resumption:detail", filing.pk)
    return render(
        request,
        "resumption/form.html",
        {"form": form, "enterprise": enterprise, "title": _("New resumption filing")},
    )


@login_required
def filing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    if workflow.ENTERPRISE not in workflow.actor_kinds(request.user, filing):
        raise PermissionDenied
    form = ApplicationForm(
        request.POST or None, instance=filing if request.method == "GET" else None,
        initial={"revision": filing.revision},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.filing_update(
                actor=request.user,
                filing=filing,
                revision=form.cleaned_data.get("revision"),
                **form.application(),
            )
        except (UserError, ValidationError) as exc:
            form.add_error(None, _error_message(exc))
        else:
            messages.success(request, _("Changes saved."))
            return redirect("resumption:detail", filing.pk)
    return render(
        request,
        "resumption/form.html",
        {
            "form": form,
            "enterprise": filing.enterprise,
            "filing": filing,
            "title": _("Edit filing"),
        },
    )


def _required_files(filing: Filing) -> list[dict]:
    """The files the filing's mode asks for, each with whether one is attached."""
    required = policy.required_attachments(filing.mode, has_commuter_bus=filing.has_commuter_bus)
    missing = set(policy.missing_attachments(filing))
    return [
        {"kind": kind, "label": AttachmentKind(kind).label, "attached": kind not in missing}
        for kind in required
    ]


def _detail_context(request: HttpRequest, filing: Filing, **extra) -> dict:
    user = request.user
    actions = workflow.available_actions(user, filing)
    kinds = workflow.actor_kinds(user, filing)
    acceptance = filing.acceptances.select_related("template", "inspector").first()
    return {
        "filing": filing,
        "enterprise": filing.enterprise,
        "rules": [
            {**r, "label": checks.rule_label(r["code"]), "message": checks.describe(r)}
            for r in filing.rule_results
        ],  # fmt: skip
        "actions": [a for a in actions if a.action not in workflow.FORM_ACTIONS | {"issue_notice"}],
        "action_names": {a.action for a in actions},
        "is_enterprise": workflow.ENTERPRISE in kinds,
        "editable": workflow.may_change(user, filing, kinds),
        "attachments": selectors.filing_attachments(filing),
        "required_files": _required_files(filing),
        "attachment_form": extra.pop("attachment_form", None) or AttachmentForm(),
        "action_form": extra.pop("action_form", None)
        or ActionForm(initial={"revision": filing.revision}),
        "schedule_form": extra.pop("schedule_form", None)
        or ScheduleForm(
            initial={"revision": filing.revision, "date": timezone.localdate()},
            inspectors=selectors.inspector_choices(filing),
        ),
        "confirm_form": ConfirmForm(
            initial={"date": timezone.localdate(), "returned_count": filing.returning_staff}
        ),
        "events": selectors.filing_events(filing),
        "versions": selectors.filing_versions(filing),
        "acceptance": acceptance,
        "answers": acceptance.answers.select_related("item")
        if acceptance and acceptance.performed_at
        else [],
        "notice": getattr(filing, "notice", None)
        if filing.status == Status.NOTICE_ISSUED
        else None,
        "can_revoke": workflow.APPROVER in kinds,
        "overdue": selectors.is_overdue(filing),
        "offices": filing.routed_offices.order_by("pk"),
        "can_confirm": filing.status in (Status.APPROVED, Status.RECORDED, Status.NOTICE_ISSUED)
        and not filing.resumed_on
        and bool(kinds & {workflow.ENTERPRISE, workflow.INSPECTOR, workflow.APPROVER}),
        **extra,
    }


@login_required
def filing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    return render(request, "resumption/detail.html", _detail_context(request, filing))


def _back_with_error(request, filing, exc, status=None, **forms) -> HttpResponse:
    filing = _filing(request, filing.pk)  # the state as it is now
    context = _detail_context(request, filing, error=_error_message(exc), **forms)
    if isinstance(exc, services.RulesFailed):
        context["rules"] = [
            {**r, "label": checks.rule_label(r["code"]), "message": checks.describe(r)}
            for r in exc.results
        ]
    return render(
        request, "resumption/detail.html", context, status=status or getattr(exc, "status", 400)
    )


@login_required
@require_POST
def filing_submit(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    form = ActionForm(request.POST)
    form.is_valid()
    try:
        filing = services.filing_submit(
            actor=request.user, filing=filing, revision=form.cleaned_data.get("revision")
        )
    except UserError as exc:
        return _back_with_error(request, filing, exc)
    messages.success(request, _("Submitted: %(status)s.") % {"status": filing.get_status_display()})
    return redirect("resumption:detail", filing.pk)


@login_required
@require_POST
def filing_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    filing = _filing(request, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return _back_with_error(
            request, filing, UserError(_("The reason is too long.")), action_form=form
        )
    try:
        if action == "issue_notice":
            services.notice_issue(
                actor=request.user, filing=filing, revision=form.cleaned_data.get("revision")
            )
        else:
            services.filing_transition(
                actor=request.user,
                filing=filing,
                action=action,
                reason=form.cleaned_data["reason"],
                revision=form.cleaned_data.get("revision"),
            )
    except (UserError, ValidationError, PermissionDenied) as exc:
        if isinstance(exc, PermissionDenied) and not isinstance(exc, UserError):
            exc = UserError(_("You may not do this."), status=403)
        return _back_with_error(request, filing, exc, action_form=form)
    messages.success(request, _("Done."))
    return redirect("resumption:detail", filing.pk)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():  # the file's own problem (e.g. empty) if it has one
        problem = " ".join(form.errors.get("file", [])) or _("Choose the kind and a file.")
        return _back_with_error(request, filing, UserError(problem), attachment_form=form)
    try:
        services.attachment_add(
            actor=request.user,
            filing=filing,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
        )
    except UserError as exc:
        return _back_with_error(request, filing, exc, attachment_form=form)
    messages.success(request, _("File attached."))
    return redirect("resumption:detail", filing.pk)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = FilingAttachment.objects.filter(
        pk=pk, filing__in=selectors.filing_list(user=request.user)
    ).first()
    if attachment is None:
        raise Http404
    return file_response(
        attachment.file, kind=attachment.content_type, filename=attachment.filename
    )


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = (
        FilingAttachment.objects.filter(pk=pk, filing__in=selectors.filing_list(user=request.user))
        .select_related("filing")
        .first()
    )
    if attachment is None:
        raise Http404
    try:
        services.attachment_delete(actor=request.user, attachment=attachment)
    except UserError as exc:
        return _back_with_error(request, attachment.filing, exc)
    return redirect("resumption:detail", attachment.filing_id)


@login_required
@require_POST
def acceptance_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    form = ScheduleForm(request.POST, inspectors=selectors.inspector_choices(filing))
    if not form.is_valid():
        return _back_with_error(request, filing, UserError(_("Choose a date.")), schedule_form=form)
    try:
        services.acceptance_schedule(
            actor=request.user,
            filing=filing,
            date=form.cleaned_data["date"],
            inspector=form.cleaned_data.get("inspector"),
            revision=form.cleaned_data.get("revision"),
        )
    except UserError as exc:
        return _back_with_error(request, filing, exc, schedule_form=form)
    messages.success(request, _("On-site acceptance scheduled."))
    return redirect("resumption:detail", filing.pk)


@login_required
def acceptance_record(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    if workflow.INSPECTOR not in workflow.actor_kinds(request.user, filing):
        raise PermissionDenied
    acceptance = (
        filing.acceptances.filter(performed_at__isnull=True).select_related("template").first()
    )
    if acceptance is None:
        messages.info(request, _("No on-site acceptance is scheduled for this filing."))
        return redirect("resumption:detail", filing.pk)
    form = AcceptanceForm(
        request.POST or None, request.FILES or None, template=acceptance.template,
        enterprise=filing.enterprise, initial={"revision": filing.revision},
    )  # fmt: skip
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.acceptance_record(
                actor=request.user,
                filing=filing,
                answers=form.answers(),
                opinion=form.cleaned_data["opinion"],
                revision=form.cleaned_data.get("revision"),
            )
        except UserError as exc:
            error = exc.message
        else:
            filing.refresh_from_db()
            messages.success(
                request,
                _("Acceptance recorded: %(status)s.") % {"status": filing.get_status_display()},
            )
            return redirect("resumption:detail", filing.pk)
    elif request.method == "POST":  # e.g. an empty photo: say which item and why
        error = form.error_sentence()
    return render(
        request,
        "resumption/acceptance.html",
        {"filing": filing, "acceptance": acceptance, "form": form, "error": error},
        status=400 if error else 200,
    )


@login_required
def answer_photo(request: HttpRequest, pk: int) -> FileResponse:
    answer = AcceptanceAnswer.objects.filter(
        pk=pk, acceptance__filing__in=selectors.filing_list(user=request.user)
    ).first()
    if answer is None or not answer.photo:
        raise Http404
    with answer.photo.open("rb") as stored:  # the type of its content, never of its name
        kind = "png" if sniff(stored) == "png" else "jpg"
    return file_response(answer.photo, kind=kind, filename=f"photo-{answer.pk}.{kind}", inline=True)


@login_required
@require_POST
def confirm_resumption(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        message = (
            _("Enter the date the enterprise resumed.")
            if "date" in form.errors
            else _("Enter the number of staff back at work (0 or more).")
        )
        return _back_with_error(request, filing, UserError(message))
    try:
        services.filing_confirm_resumption(
            actor=request.user,
            filing=filing,
            date=form.cleaned_data["date"],
            returned_count=form.cleaned_data["returned_count"],
        )
    except UserError as exc:
        return _back_with_error(request, filing, exc)
    messages.success(request, _("Resumption confirmed."))
    return redirect("resumption:detail", filing.pk)


@login_required
def notice_download(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    notice = getattr(filing, "notice", None)
    if notice is None:
        raise Http404
    # Imported here: the PDF library (reportlab, about 0.4 s to import) is loaded by the one
    # page that prints a notice, not at every start of the server.

    pdf = notice_pdf(notice, verify_url=verify_url(request, notice))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{filing.pk}.pdf"'
    return response


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    offices = list(
        scoped(
            Office.objects.filter(pk__in=selectors.reviewer_office_ids(request.user)), request.user
        )
    )
    office_id = request.GET.get("office")
    office = next((o for o in offices if str(o.pk) == office_id), None)
    overdue = request.GET.get("overdue") == "1"
    qs = selectors.review_queue(
        user=request.user, office_id=office.pk if office else None, overdue_only=overdue
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "resumption/queue.html",
        {
            "page": page,
            "offices": offices,
            "office": office,
            "overdue": overdue,
            "today": timezone.localdate(),
        },  # fmt: skip
    )


@login_required
def pipeline(request: HttpRequest) -> HttpResponse:
    data = filing_pipeline(user=request.user)
    labels = dict(Category.choices)
    return render(
        request,
        "resumption/pipeline.html",
        {
            "pipeline": data,
            "rows": [
                {
                    "status": s,
                    "label": Status(s).label,
                    "cells": [data.cells.get((s, c), 0) for c in data.categories],
                    "total": data.row_total(s),
                }
                for s in data.statuses
            ],
            "columns": [
                {"key": c, "label": labels.get(c, c), "total": data.column_total(c)}
                for c in data.categories
            ],
        },
    )


@login_required
def group_create(request: HttpRequest) -> HttpResponse:
    offices = [
        m.office_id for m in active_memberships(request.user) if m.role == Role.PARK_OPERATOR
    ]
    park = scoped(Park.objects.filter(operator_id__in=offices), request.user).order_by("pk").first()
    if park is None:
        raise PermissionDenied
    tenants = Enterprise.objects.filter(park=park).order_by("name")
    form = GroupForm(request.POST or None, tenants=tenants)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(
                actor=request.user, park=park, enterprises=list(form.cleaned_data["tenants"]),
                **form.application(),
            )  # fmt: skip
        except (UserError, ValidationError) as exc:
            form.add_error(None, _error_message(exc))
        else:
            outcome = services.group_submit(actor=request.user, group=group)
            failed = [msg for msg in outcome.values() if msg]
            if failed:
                messages.warning(
                    request,
                    _("%(n)s of %(total)s filings were not submitted; open each to fix it.")
                    % {"n": len(failed), "total": len(outcome)},
                )
            else:
                messages.success(request, _("%(n)s filings submitted.") % {"n": len(outcome)})
            return redirect("resumption:list")
    return render(request, "resumption/group_form.html", {"form": form, "park": park})


def _settings_place(request: HttpRequest):
    """The jurisdiction whose settings are shown or written: the one asked for, which must be
    one the user's command office runs (never quietly another one); none asked: the first."""
    places = command_jurisdictions(request.user)
    if not places:
        raise PermissionDenied
    wanted = request.GET.get("jurisdiction") or request.POST.get("jurisdiction")
    if wanted in (None, ""):
        return places[0], places
    pk = parse_id(wanted)
    place = next((j for j in places if j.pk == pk), None)
    if place is None:
        raise PermissionDenied(
            _(
                "You may change the resumption settings of %(places)s only; "
                "“%(value)s” is not one of them. Nothing was saved."
            )
            % {"places": "、".join(j.name for j in places), "value": str(wanted)[:20]}
        )
    return place, places


@login_required
def settings_page(
    request: HttpRequest, *, policy_form=None, rule_forms=None, error=""
) -> HttpResponse:
    place, places = _settings_place(request)
    rules = policy.rules_for(place)
    rule_forms = rule_forms or {}
    return render(
        request,
        "resumption/settings.html",
        {
            "place": place,
            "places": places,
            "current": policy.policy_for(place),
            "policies": ResumptionPolicy.objects.filter(
                jurisdiction__path__in=policy.ancestor_paths(place)
            ).select_related("jurisdiction"),
            "policy_form": policy_form
            or PolicyForm(initial={"effective_from": timezone.localdate()}),
            "rules": [
                {
                    "setting": r,
                    "label": checks.rule_label(r.code),
                    "form": rule_forms.get(r.code)
                    or RuleForm(
                        initial={"enabled": r.enabled, **r.params},
                        defaults=policy.DEFAULT_RULE_PARAMS[r.code],
                        prefix=r.code,
                    ),
                }
                for r in rules
            ],
            "routing": sorted(policy.routing_table(place), key=lambda r: (r.position, r.pk)),
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def settings_policy(request: HttpRequest) -> HttpResponse:
    place, _places = _settings_place(request)
    form = PolicyForm(request.POST)
    if not form.is_valid():
        return settings_page(request, policy_form=form, error=_("Check the highlighted fields."))
    try:
        services.policy_create(actor=request.user, jurisdiction=place, **form.cleaned_data)
    except (UserError, ValidationError) as exc:
        return settings_page(request, policy_form=form, error=_error_message(exc))
    messages.success(request, _("Mode saved."))
    return redirect(f"{request.path.rsplit('policy/', 1)[0]}?jurisdiction={place.pk}")


@login_required
@require_POST
def settings_rule(request: HttpRequest, code: str) -> HttpResponse:
    if code not in policy.DEFAULT_RULE_PARAMS:
        raise Http404
    place, _places = _settings_place(request)
    form = RuleForm(request.POST, defaults=policy.DEFAULT_RULE_PARAMS[code], prefix=code)
    if not form.is_valid():
        return settings_page(
            request, rule_forms={code: form}, error=_("Check the highlighted fields.")
        )
    try:
        services.rule_set(
            actor=request.user,
            jurisdiction=place,
            code=code,
            enabled=form.cleaned_data["enabled"],
            params=form.params(),
        )
    except UserError as exc:
        return settings_page(request, rule_forms={code: form}, error=exc.message)
    messages.success(request, _("Rule saved."))
    return redirect(f"{request.path.rsplit('rules/', 1)[0]}?jurisdiction={place.pk}")


@login_required
@require_POST
def notice_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    filing = _filing(request, pk)
    notice = getattr(filing, "notice", None)
    if notice is None:
        raise Http404
    form = ActionForm(request.POST)
    form.is_valid()
    try:
        services.notice_revoke(
            actor=request.user, notice=notice, reason=form.cleaned_data.get("reason", "")
        )
    except UserError as exc:
        return _back_with_error(request, filing, exc, action_form=form)
    messages.success(request, _("The notice is revoked; its verification page says so."))
    return redirect("resumption:detail", filing.pk)
