"""Pages of inspections: the lists (an inspector's own, everything in scope, an enterprise's),
planning, the phone-friendly checklist with its saved draft, self-check review, rectification
orders and orders to stop. Views check input and call one service."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.accounts.selectors import is_command
from fugong.core.audit import history_for
from fugong.core.errors import NotAllowed, UserError
from fugong.core.files import file_response, sniff
from fugong.core.ids import parse_id
from fugong.core.models import AuditLog
from fugong.core.scope import scoped
from fugong.enterprises.selectors import enterprise_list
from fugong.inspections import selectors, services, workflow
from fugong.inspections.choices import (
    CheckValue,
    InspectionKind,
    InspectionStatus,
    OrderStatus,
    StopStatus,
)
from fugong.inspections.forms import ChecklistForm, PlanForm, ReportForm, StopForm
from fugong.inspections.models import ChecklistTemplate, Inspection, InspectionAnswer

PAGE = 30
CHOICES = 20


def _page(request, qs):
    return Paginator(qs, PAGE).get_page(request.GET.get("page"))


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    """The inspector's own list first when they have one; every inspection in scope with
    filters otherwise (``?which=all``)."""
    which = request.GET.get("which", "")
    mine = selectors.my_inspections(request.user)
    has_mine = which != "all" and mine.exists()
    if has_mine:
        qs = mine
        which = "mine"
    else:
        which = "all"
        qs = selectors.inspection_list(request.user)
        kind = request.GET.get("kind", "")
        if kind in InspectionKind.values:
            qs = qs.filter(kind=kind)
        status = request.GET.get("status", "")
        if status in InspectionStatus.values:
            qs = qs.filter(status=status)
    return render(
        request,
        "inspections/list.html",
        {
            "page": _page(request, qs),
            "which": which,
            "kinds": InspectionKind.choices,
            "statuses": InspectionStatus.choices,
            "kind": request.GET.get("kind", ""),
            "status": request.GET.get("status", ""),
            "may_plan": bool(selectors.office_ids(request.user)) or is_command(request.user),
            "today": timezone.localdate(),
        },
    )


def _templates():
    return ChecklistTemplate.objects.filter(is_active=True).exclude(kind="acceptance")


def _inspectors(enterprise):
    """Who may be named inspector: members of the offices and command offices over the
    enterprise's place, and its cadres."""
    return workflow.inspectors_for(enterprise)


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    """Plan an inspection: find the enterprise (by name, in scope), then the form. Refused
    outright to whoever may plan none (an enterprise's users, 包保 cadres)."""
    if not (selectors.office_ids(request.user) or is_command(request.user)):
        raise NotAllowed(
            _(
                "Inspections are planned by command offices, reviewing offices and departments: "
                "your account plans none."
            )
        )
    enterprises = enterprise_list(user=request.user)
    enterprise = enterprises.filter(pk=parse_id(request.GET.get("enterprise"))).first()
    if enterprise is None:
        q = (request.GET.get("q") or "").replace("\x00", "").strip()[:50]
        found = list(enterprises.filter(name__contains=q)[: CHOICES + 1]) if q else []
        return render(
            request,
            "inspections/plan.html",
            {"q": q, "found": found[:CHOICES], "more": len(found) > CHOICES},
        )
    if not services.may_plan(request.user, enterprise):
        raise NotAllowed(_("You may not plan inspections of this enterprise."))
    form = PlanForm(
        request.POST if request.method == "POST" else None,
        templates=_templates(),
        inspectors=_inspectors(enterprise),
        enterprise=enterprise,
        initial={"date": timezone.localdate()},
    )
    error = ""
    existing = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = services.inspection_plan(
                actor=request.user,
                enterprise=enterprise,
                kind=data["kind"],
                template=data["template"],
                date=data["date"],
                inspector=data.get("inspector"),
            )
        except services.AlreadyPlanned as exc:
            error, existing = exc.message, exc.existing
        except UserError as exc:
            error = exc.message
            if exc.code in form.fields:  # shown on its field too
                form.add_error(exc.code, exc.message)
        else:
            messages.success(request, _("Inspection planned."))
            return redirect("inspections:detail", inspection.pk)
    elif request.method == "POST":
        error = form.error_sentence()
    form.mark_invalid()
    return render(
        request,
        "inspections/plan.html",
        {"enterprise": enterprise, "form": form, "error": error, "existing": existing},
        status=(409 if existing else 400) if error else 200,
    )


def _inspection(request, pk: int) -> Inspection:
    inspection = selectors.inspection_list(request.user).filter(pk=pk).first()
    if inspection is None:
        raise Http404
    return inspection


def _sent_back(inspection: Inspection) -> AuditLog | None:
    """The latest time a self-check was sent back (its reason, who, when), if ever."""
    if inspection.kind != InspectionKind.SELF_CHECK:
        return None
    return (
        history_for(inspection)
        .filter(before__status=InspectionStatus.SUBMITTED, after__status=InspectionStatus.PLANNED)
        .first()
    )


def _detail(request, inspection: Inspection, *, error: str = "", status: int = 200, **forms):
    kinds = workflow.actor_kinds(request.user, inspection)
    actions = {t.action: t for t in workflow.INSPECTIONS.available(request.user, inspection)}
    order = getattr(inspection, "rectification", None)
    return render(
        request,
        "inspections/detail.html",
        {
            "inspection": inspection,
            "answers": inspection.answers.select_related("item"),
            "actions": actions,
            "may_fill": ("record" in actions or "submit" in actions),
            "may_stop": workflow.PLANNER in kinds
            and inspection.status == InspectionStatus.DONE
            and not selectors.stops_in_force(inspection.enterprise).exists(),
            "order": order,
            "stops": inspection.stops.all(),
            "stop_form": forms.get("stop_form") or StopForm(),
            "sent_back": _sent_back(inspection),
            "error": error,
        },
        status=status,
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _inspection(request, pk))


def _restored(inspection: Inspection) -> dict:
    """The saved draft as form data (the server's copy; the page adds the phone's own)."""
    return {k: v for k, v in (inspection.draft or {}).items() if k.startswith(("item_", "op"))}


def _closed_sentence(inspection: Inspection) -> str:
    """Why the checklist can no longer be filled: who recorded (or submitted) it and when."""
    who = inspection.inspector
    name = (who.full_name or who.username) if who else _("someone else")
    when = (
        timezone.localtime(inspection.performed_at).strftime("%Y-%m-%d %H:%M")
        if inspection.performed_at
        else ""
    )
    if inspection.status == InspectionStatus.CANCELLED:
        return _("This inspection was cancelled: its checklist cannot be filled in.")
    if inspection.status == InspectionStatus.SUBMITTED:
        return _("%(name)s submitted this self-check at %(time)s: it is waiting for review.") % {
            "name": name,
            "time": when,
        }
    if inspection.status == InspectionStatus.DONE:
        return _("%(name)s recorded this checklist at %(time)s: the inspection is done.") % {
            "name": name,
            "time": when,
        }
    return _("This checklist cannot be filled in now.")


def _too_late(request, inspection: Inspection, form: ChecklistForm, action: str) -> HttpResponse:
    """Someone else recorded the checklist first: say who and when, link the result and show
    what this phone sent, as text, so nothing typed is silently lost."""
    choices = dict(CheckValue.choices)
    typed = []
    for row in form.rows():
        key = row["item"].pk
        value = str(request.POST.get(f"item_{key}", ""))[:100]
        text = str(request.POST.get(f"item_{key}_text", ""))[:1000]
        if value or text:
            typed.append({"item": row["item"], "value": choices.get(value, value), "text": text})
    return render(
        request,
        "inspections/fill.html",
        {
            "inspection": inspection,
            "form": form,
            "action": action,
            "closed": _closed_sentence(inspection),
            "typed": typed,
            "typed_opinion": str(request.POST.get("opinion", ""))[:4000],
        },
        status=409,
    )


@login_required
def fill(request: HttpRequest, pk: int) -> HttpResponse:
    """The checklist, for a phone: an inspector records an inspection, an enterprise fills its
    self-check. What is typed is kept as a draft on the phone at once and on the server as it
    goes, so a dropped connection loses nothing."""
    inspection = _inspection(request, pk)
    action = "submit" if inspection.kind == InspectionKind.SELF_CHECK else "record"

    def checklist(data=None, files=None, initial=None) -> ChecklistForm:
        form = ChecklistForm(data, files, template=inspection.template,
                             enterprise=inspection.enterprise, initial=initial)  # fmt: skip
        if action == "record":
            form.require_opinion()
        return form

    t = workflow.INSPECTIONS.find(action, inspection)
    if t is None or not workflow.INSPECTIONS.allowed(t, request.user, inspection):
        if request.method == "POST" and services.may_fill(request.user, inspection):
            return _too_late(request, inspection, checklist(request.POST), action)
        messages.info(request, _closed_sentence(inspection))
        return redirect("inspections:detail", inspection.pk)
    initial = {"revision": inspection.revision, **_restored(inspection)}
    form = checklist(request.POST or None, request.FILES or None, initial)
    form.photos_kept = set(services.kept_photos(inspection))
    error = ""
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "submit":
                services.self_check_submit(
                    actor=request.user, inspection=inspection, answers=form.answers(),
                    opinion=data["opinion"], revision=data.get("revision"),
                )  # fmt: skip
            else:
                services.inspection_record(
                    actor=request.user, inspection=inspection, answers=form.answers(),
                    opinion=data["opinion"], revision=data.get("revision"),
                )  # fmt: skip
        except UserError as exc:
            error = exc.message
            problems = getattr(exc, "problems", [])
            now = _inspection(request, pk)
            if now.status != InspectionStatus.PLANNED:  # another phone was first
                return _too_late(request, now, form, action)
        else:
            messages.success(request, _("Checklist saved."))
            return redirect("inspections:detail", inspection.pk)
    elif request.method == "POST":
        error = form.error_sentence()
    photos_again, photos_saved = [], []
    if error:  # what was typed stays on the server too, and the good photos
        services.inspection_save_draft(actor=request.user, inspection=inspection,
                                       draft=form.draft())  # fmt: skip
        sent = {pk: form.files.get(f"item_{pk}_photo") for pk in form.photos_chosen()}
        saved = services.inspection_keep_photos(
            actor=request.user, inspection=inspection, photos=sent
        )
        form.photos_kept |= saved
        form.mark_problems(problems)
        form.photos_to_choose = set(sent) - saved
        photos_again = [i.position for i in form.items if i.pk in form.photos_to_choose]
        photos_saved = [i.position for i in form.items if i.pk in saved]
    form.photo_not_needed(form.photos_kept)
    return render(
        request,
        "inspections/fill.html",
        {
            "inspection": inspection,
            "form": form,
            "error": error,
            "action": action,
            "photos_again": "、".join(str(p) for p in photos_again),
            "photos_saved": "、".join(str(p) for p in photos_saved),
            "sent_back": _sent_back(inspection),
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def save_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """The checklist page sends what was typed (htmx, on change); answers the time saved."""
    inspection = _inspection(request, pk)
    form = ChecklistForm(request.POST, template=inspection.template,
                         enterprise=inspection.enterprise)  # fmt: skip
    try:
        kept = services.inspection_save_draft(
            actor=request.user, inspection=inspection, draft=form.draft()
        )
    except UserError as exc:
        return JsonResponse({"saved": False, "error": exc.message}, status=exc.status)
    if not kept:
        return JsonResponse(
            {"saved": False, "error": _("This checklist was already submitted.")}, status=409
        )
    return HttpResponse(
        _("Draft saved at %(time)s") % {"time": timezone.localtime().strftime("%H:%M:%S")}
    )


@login_required
@require_POST
def step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    inspection = _inspection(request, pk)
    reason = (request.POST.get("reason") or "").strip()[:1000]
    revision = parse_id(request.POST.get("revision"))
    try:
        if action in ("accept", "send_back"):
            services.self_check_review(
                actor=request.user, inspection=inspection, accept=action == "accept",
                reason=reason, revision=revision,
            )  # fmt: skip
        elif action == "cancel":
            services.inspection_cancel(
                actor=request.user, inspection=inspection, reason=reason, revision=revision
            )
        else:
            raise Http404
    except UserError as exc:
        return _detail(request, _inspection(request, pk), error=exc.message, status=exc.status)
    messages.success(request, _("Done."))
    return redirect("inspections:detail", inspection.pk)


@login_required
def stop_new(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _inspection(request, pk)
    if request.method != "POST":
        return redirect("inspections:detail", inspection.pk)
    form = StopForm(request.POST)
    if not form.is_valid():
        return _detail(request, inspection, error=_("Write down the facts found."), status=400,
                       stop_form=form)  # fmt: skip
    try:
        stop = services.stop_issue(
            actor=request.user, enterprise=inspection.enterprise, inspection=inspection,
            order=getattr(inspection, "rectification", None), **form.cleaned_data,
        )  # fmt: skip
    except UserError as exc:
        return _detail(request, inspection, error=exc.message, status=exc.status, stop_form=form)
    messages.success(request, _("Order to stop issued: %(number)s.") % {"number": stop.number})
    return redirect("inspections:stop", stop.pk)


@login_required
def answer_photo(request: HttpRequest, pk: int) -> HttpResponse:
    answer = (
        scoped(InspectionAnswer.objects.all(), request.user)
        .filter(inspection__in=selectors.inspection_list(request.user), pk=pk)
        .first()
    )
    if answer is None or not answer.photo:
        raise Http404
    with answer.photo.open("rb") as stored:  # the type of its content, never of its name
        kind = "png" if sniff(stored) == "png" else "jpg"
    return file_response(answer.photo, kind=kind, filename=f"photo-{answer.pk}.{kind}", inline=True)


# --- rectification orders ------------------------------------------------------------------


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        qs = selectors.overdue_orders(request.user)
    else:
        qs = selectors.order_list(request.user).order_by("-issued_at", "-id")
        status = request.GET.get("status", "")
        if status in OrderStatus.values:
            qs = qs.filter(status=status)
    return render(
        request,
        "inspections/orders.html",
        {
            "page": _page(request, qs),
            "overdue": overdue,
            "statuses": OrderStatus.choices,
            "status": request.GET.get("status", ""),
            "today": timezone.localdate(),
        },
    )


def _order(request, pk: int):
    order = selectors.order_list(request.user).filter(pk=pk).first()
    if order is None:
        raise Http404
    return order


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    actions = {t.action: t for t in workflow.ORDERS.available(request.user, order)}
    form = ReportForm(request.POST or None, initial={"revision": order.revision})
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "report")
        try:
            if action == "report":
                if not form.is_valid():
                    raise UserError(_("Say what was done to rectify each item."))
                services.rectification_report(
                    actor=request.user, order=order, report=form.cleaned_data["report"],
                    revision=form.cleaned_data.get("revision"),
                )  # fmt: skip
            elif action == "cancel":
                services.rectification_cancel(
                    actor=request.user, order=order,
                    reason=(request.POST.get("reason") or "").strip()[:1000],
                    revision=parse_id(request.POST.get("revision")),
                )  # fmt: skip
            else:
                raise Http404
        except UserError as exc:
            error = exc.message
        else:
            messages.success(request, _("Done."))
            return redirect("inspections:order", order.pk)
        order = _order(request, pk)
        actions = {t.action: t for t in workflow.ORDERS.available(request.user, order)}
    return render(
        request,
        "inspections/order.html",
        {
            "order": order,
            "actions": actions,
            "form": form,
            "error": error,
            "reinspections": order.reinspections.select_related("inspector"),
            "overdue": order.status == OrderStatus.OPEN and order.deadline < timezone.localdate(),
            # A stale tab's report, kept for the reporter to copy when it can no longer go.
            "unsent": str(request.POST.get("report", "")).strip()[:4000]
            if error and request.POST.get("action", "report") == "report"
            else "",
        },
        status=400 if error else 200,
    )


# --- orders to stop ------------------------------------------------------------------------


@login_required
def stop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    stop = selectors.stop_list(request.user).filter(pk=pk).first()
    if stop is None:
        raise Http404
    kinds = workflow.actor_kinds(request.user, stop)
    error = ""
    if request.method == "POST" and workflow.PLANNER in kinds:
        action = request.POST.get("action", "")
        try:
            if action == "reinspect":
                first = stop.inspection
                template = (
                    first.template if first else _templates().filter(kind="post_resumption").first()
                )
                date = datetime.date.fromisoformat(request.POST.get("date", ""))
                inspector = (
                    _inspectors(stop.enterprise)
                    .filter(pk=parse_id(request.POST.get("inspector")))
                    .first()
                )
                services.inspection_plan(
                    actor=request.user, enterprise=stop.enterprise,
                    kind=InspectionKind.REINSPECTION, template=services._in_use(template),
                    date=date, inspector=inspector, office=stop.office, stop=stop,
                )  # fmt: skip
            elif action == "lift":
                services.stop_lift(
                    actor=request.user, stop=stop,
                    reason=(request.POST.get("reason") or "").strip()[:1000],
                    revision=parse_id(request.POST.get("revision")),
                )  # fmt: skip
            else:
                raise Http404
        except ValueError:
            error = _("Choose a date.")
        except UserError as exc:
            error = exc.message
        else:
            messages.success(request, _("Done."))
            return redirect("inspections:stop", stop.pk)
    return render(
        request,
        "inspections/stop.html",
        {
            "stop": stop,
            "is_planner": workflow.PLANNER in kinds,
            "in_force": stop.status == StopStatus.IN_FORCE,
            "reinspections": stop.reinspections.select_related("inspector"),
            "inspectors": _inspectors(stop.enterprise) if workflow.PLANNER in kinds else [],
            "today": timezone.localdate(),
            "latest": services.latest_plan_date(),
            "error": error,
        },
        status=400 if error else 200,
    )
