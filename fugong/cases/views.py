"""The request pages: the list (the enterprise's own, a cadre's enterprises', a place's),
the dispatcher's queue, a department's inbox, the overdue list; raising one; a request with
its timeline and the forms of the steps the reader may take now."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.accounts.models import Office
from fugong.accounts.selectors import active_memberships, command_jurisdictions
from fugong.cases import common, selectors, services, visits
from fugong.cases import workflow as W
from fugong.cases.choices import WITH_DEPARTMENT, Source, Status
from fugong.cases.forms import CallbackForm, CaseForm, ExtensionForm, StepForm
from fugong.cases.models import Case, Category, CommonProblem, Extension, Urge, Visit
from fugong.core.errors import UserError
from fugong.core.files import file_response
from fugong.core.ids import parse_id
from fugong.core.scope import scoped
from fugong.enterprises import services as enterprise_services
from fugong.enterprises.models import Enterprise, GreenChannel
from fugong.stats.figures import parse_day

PAGE = 50

LISTS = {
    "list": selectors.case_list,
    "queue": selectors.queue_pages,
    "inbox": selectors.inbox_pages,
    "overdue": selectors.overdue_pages,
}


def _titles() -> dict[str, str]:
    return {
        "list": _("Requests"),
        "queue": _("Requests to dispatch"),
        "inbox": _("Requests to handle"),
        "overdue": _("Overdue requests"),
    }


def _raisable(user):
    """The enterprises the user may raise a request for (in their scope)."""
    qs = scoped(Enterprise.objects.order_by("name"), user)
    roles = {m.role for m in active_memberships(user)}
    return qs if services.RAISERS & roles else qs.none()


# At most this many enterprises in a drop-down; beyond, the page asks for part of the name.
CHOICES = 300


def _choices(request: HttpRequest, enterprises):
    """The enterprises a drop-down offers: those whose name holds ``?q=``, or all when they
    are few; (the choices, the text searched, whether some were left out)."""
    q = (request.GET.get("q") or "").replace("\x00", "").strip()[:50]
    if q:
        enterprises = enterprises.filter(name__contains=q)
    offered = list(enterprises[: CHOICES + 1])
    return offered[:CHOICES], q, len(offered) > CHOICES


def _list(request: HttpRequest, which: str) -> HttpResponse:
    qs = LISTS[which](request.user)  # the queues: a selectors.Queue, read a page at a time
    if which == "list":
        qs = qs.only(*selectors.LIST_FIELDS)
    status = request.GET.get("status", "")
    if status in Status.values:
        qs = qs.filter(status=status)
    category = parse_id(request.GET.get("category"))
    if category:
        qs = qs.filter(category_id=category)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    if which == "list":  # the green channel's mark on the rows shown, not on every row sorted
        page.object_list = selectors.mark_green(page.object_list)
    labels = dict(Status.choices)  # get_status_display builds this for every row
    for c in page:
        c.status_label = labels.get(c.status, c.status)
    return render(
        request,
        "cases/list.html",
        {
            "which": which,
            "title": _titles()[which],
            "page": page,
            "statuses": Status.choices,
            "status": status,
            "categories": Category.objects.filter(is_active=True),
            "category": category,
            "may_raise": which == "list" and _raisable(request.user).exists(),
            "overdue_ids": {c.pk for c in page if W.overdue(c)},
        },
    )


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    return _list(request, "list")


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not selectors.is_dispatcher(request.user):
        raise PermissionDenied(_("For command offices, which dispatch requests."))
    return _list(request, "queue")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    if not selectors.office_ids(request.user):
        raise PermissionDenied(_("For departments, which handle requests."))
    return _list(request, "inbox")


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    return _list(request, "overdue")


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    enterprises = _raisable(request.user)
    if not enterprises.exists():
        raise PermissionDenied(_("Only an enterprise, its liaison or its cadres raise requests."))
    own = request.user.memberships.filter(is_active=True, enterprise__isnull=False).exists()
    visit = (
        scoped(Visit.objects.all(), request.user)
        .filter(pk=parse_id(request.GET.get("visit") or request.POST.get("visit")))
        .first()
    )
    form = CaseForm(
        request.POST or None,
        request.FILES or None,
        enterprises=enterprises,
        on_behalf=not own,
        initial={
            "enterprise": visit.enterprise_id if visit else parse_id(request.GET.get("enterprise")),
            "from_visit": visit is not None,
        },
    )
    valid = request.method == "POST" and form.is_valid()
    # The drop-down offers the enterprises found by name (a county has thousands), the one
    # chosen or posted kept.
    offered, q, more = _choices(request, enterprises)
    keep = [form.initial.get("enterprise"), parse_id(request.POST.get("enterprise"))]
    form.fields["enterprise"].queryset = enterprises.filter(
        pk__in=[e.pk for e in offered] + [k for k in keep if k]
    )
    if valid:
        data = form.cleaned_data
        try:
            case = services.case_raise(
                actor=request.user,
                enterprise=data["enterprise"],
                category=data["category"],
                nature=data["nature"],
                urgency=data["urgency"],
                title=data["title"],
                text=data["text"],
                source=Source.VISIT if data.get("from_visit") else None,
                uploads=data["files"],
                visit=visit,
            )
        except UserError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Request %(number)s raised.") % {"number": case.number})
            return redirect("cases:detail", pk=case.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "cases/new.html",
        {"form": form, "visit": visit, "q": q, "more": more},
        status=status,
    )


def _form_errors(form) -> str:
    """A form's errors as one sentence a user can act on: each field's label and message."""
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        parts += [f"{label}：{e}" if label else str(e) for e in errors]
    return "；".join(parts)


def _case(request: HttpRequest, pk: int) -> Case:
    case = selectors.case_list(request.user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def _detail(request: HttpRequest, case: Case, *, error: str = "", status: int = 200, **forms):
    actions = {t.action: t for t in W.available_actions(request.user, case)}
    kinds = W.actor_kinds(request.user, case)
    suggested = services.route(case) if "dispatch" in actions else []
    context = {
        "case": case,
        "actions": actions,
        "bare": [t for a, t in actions.items() if a not in W.FORM_ACTIONS],
        "events": case.events.select_related("office"),
        "attachments": case.attachments.all(),
        "extensions": case.extensions.select_related("office"),
        "urges": case.urges.select_related("issuer", "office"),
        "notes": case.notes.select_related("by", "office"),
        "may_note": bool(kinds & {W.HANDLER, W.CO_HANDLER}) and case.status in WITH_DEPARTMENT,
        "callbacks": case.callbacks.select_related("by") if W.DISPATCHER in kinds else [],
        "is_dispatcher": W.DISPATCHER in kinds,
        "may_extend": W.HANDLER in kinds and case.status in WITH_DEPARTMENT,
        "green": GreenChannel.objects.filter(enterprise=case.enterprise_id, is_active=True).first(),
        "overdue": W.overdue(case),
        "departments": services.departments_for(case) if "dispatch" in actions else [],
        "suggested": suggested,
        "suggested_ids": [o.pk for o in suggested],
        "step_form": forms.get("step_form") or StepForm(initial={"revision": case.revision}),
        "extension_form": forms.get("extension_form") or ExtensionForm(),
        "callback_form": forms.get("callback_form") or CallbackForm(),
        "error": error,
    }
    return render(request, "cases/detail.html", context, status=status)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _case(request, pk))


@login_required
@require_POST
def case_step(request: HttpRequest, pk: int) -> HttpResponse:
    """One step of the request from its page (the action is named in the form)."""
    case = _case(request, pk)
    action = request.POST.get("action", "")
    form = StepForm(request.POST)
    if not form.is_valid():  # too long, not a rating, a forged revision: say which
        return _detail(
            request, case, error=_form_errors(form), status=400, step_form=StepForm(
                initial={"revision": case.revision, "reply": request.POST.get("reply", "")}
            ),
        )  # fmt: skip
    data = form.cleaned_data
    common = {"actor": request.user, "case": case, "revision": data.get("revision")}
    try:
        if action == "dispatch":
            departments = services.departments_for(case)
            lead = departments.filter(pk=parse_id(request.POST.get("lead"))).first()
            if lead is None:
                raise UserError(_("Choose the department that replies."), code="department")
            co_ids = [parse_id(v) for v in request.POST.getlist("co")]
            # all of them: one outside the request's places is refused with a sentence
            co = list(Office.objects.filter(pk__in=[i for i in co_ids if i]))
            services.case_dispatch(lead=lead, co=co, **common)
        elif action == "accept":
            services.case_accept(**common)
        elif action == "return":
            services.case_return(reason=data.get("reason", ""), **common)
        elif action == "reply":
            services.case_reply(reply=data.get("reply", ""), **common)
        elif action == "rate":
            services.case_rate(
                rating=data.get("rating", ""), reason=data.get("reason", ""), **common
            )
        elif action == "withdraw":
            services.case_withdraw(reason=data.get("reason", ""), **common)
        else:
            raise Http404
    except UserError as exc:
        return _detail(
            request, _case(request, pk), error=exc.message, status=exc.status, step_form=form
        )
    messages.success(request, _("Done."))
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def extension_ask(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, error=_form_errors(form), status=400, extension_form=form)
    try:
        services.extension_ask(actor=request.user, case=case, **form.cleaned_data)
    except UserError as exc:
        return _detail(request, case, error=exc.message, status=exc.status, extension_form=form)
    messages.success(request, _("Asked: the dispatcher decides."))
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def extension_decide(request: HttpRequest, pk: int, ext: int) -> HttpResponse:
    case = _case(request, pk)
    extension = Extension.objects.filter(pk=ext, case=case).first()
    if extension is None:
        raise Http404
    try:
        services.extension_decide(
            actor=request.user, extension=extension, approve=request.POST.get("approve") == "1"
        )
    except UserError as exc:
        return _detail(request, case, error=exc.message, status=exc.status)
    messages.success(request, _("Decided."))
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def callback_log(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = CallbackForm(request.POST)
    if not form.is_valid():
        return _detail(request, case, error=_("Say what was said."), status=400, callback_form=form)
    try:
        services.callback_log(actor=request.user, case=case, **form.cleaned_data)
    except UserError as exc:
        return _detail(request, case, error=exc.message, status=exc.status, callback_form=form)
    messages.success(request, _("Callback logged."))
    return redirect("cases:detail", pk=case.pk)


@login_required
def attachment(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    case = _case(request, pk)
    f = case.attachments.filter(pk=file_id).first()
    if f is None:
        raise Http404
    return file_response(f.file, kind=f.content_type, filename=f.filename)


@login_required
def urge(request: HttpRequest, pk: int) -> HttpResponse:
    """A 催办通知书, to print."""
    notice = (
        scoped(Urge.objects.select_related("case__enterprise", "issuer", "office"), request.user)
        .filter(pk=pk)
        .first()
    )
    if notice is None:
        raise Http404
    return render(
        request,
        "cases/urge.html",
        {"urge": notice, "case": notice.case, "reply_days": services.URGE_EVERY},
    )


@login_required
def common_problems(request: HttpRequest) -> HttpResponse:
    """共性问题 of the command office's place: group now (a background job), the groups with
    their requests, and the decision on each."""
    places = command_jurisdictions(request.user)
    if not places:
        raise PermissionDenied(_("For command offices."))
    place = places[0]
    if request.method == "POST":
        try:
            job = common.grouping_start(actor=request.user, place=place)
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("core:job", pk=job.pk)
    problems = (
        scoped(CommonProblem.objects.select_related("category", "decided_by"), request.user)
        .filter(jurisdiction__path__startswith=place.path)
        .prefetch_related("members__enterprise")
    )
    return render(request, "cases/common.html", {"place": place, "problems": problems})


@login_required
@require_POST
def common_decide(request: HttpRequest, pk: int) -> HttpResponse:
    problem = scoped(CommonProblem.objects.all(), request.user).filter(pk=pk).first()
    if problem is None:
        raise Http404
    try:
        common.decide(
            actor=request.user,
            problem=problem,
            state=request.POST.get("state", ""),
            question=request.POST.get("question", ""),
        )
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Decided."))
    return redirect("cases:common")


# ---------------------------------------------------------------------------- visits


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    """The visits in the reader's scope; a cadre's own enterprises due for a visit; the plan
    form (with what 无事不扰 says of the enterprise chosen)."""
    visitor = bool({m.role for m in active_memberships(request.user)} & visits.VISITORS)
    if not visitor:
        raise PermissionDenied(_("For cadres and command offices."))
    enterprises = scoped(Enterprise.objects.order_by("name"), request.user)
    chosen = enterprises.filter(pk=parse_id(request.GET.get("enterprise"))).first()
    if request.method == "POST":
        chosen = enterprises.filter(pk=parse_id(request.POST.get("enterprise"))).first()
        try:
            if chosen is None:
                raise UserError(_("Choose the enterprise."))
            day = parse_day(request.POST.get("day"))
            v = visits.visit_plan(
                actor=request.user,
                enterprise=chosen,
                day=day,
                asked=request.POST.get("asked") == "on",
            )
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Visit planned."))
            return redirect("cases:visit", pk=v.pk)
    page = Paginator(
        scoped(Visit.objects.select_related("enterprise", "visitor"), request.user), PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/visits.html",
        {
            "page": page,
            "due": visits.my_due(request.user),
            **dict(zip(("enterprises", "q", "more"), _choices(request, enterprises), strict=True)),
            "chosen": chosen,
            "quiet": visits.quiet_text(chosen, timezone.localdate()) if chosen else "",
            "today": timezone.localdate(),
        },
    )


def _visit(request: HttpRequest, pk: int) -> Visit:
    v = (
        scoped(Visit.objects.select_related("enterprise", "visitor"), request.user)
        .filter(pk=pk)
        .first()
    )
    if v is None:
        raise Http404
    return v


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    v = _visit(request, pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                visits.visit_cancel(actor=request.user, visit=v)
            else:
                visits.visit_record(
                    actor=request.user,
                    visit=v,
                    met=request.POST.get("met", ""),
                    findings=request.POST.get("findings", ""),
                    day=parse_day(request.POST.get("day")),
                    photos=request.FILES.getlist("photos"),
                )
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("cases:visit", pk=v.pk)
    return render(
        request,
        "cases/visit.html",
        {
            "visit": v,
            "photos": v.photos.all(),
            "cases": v.cases.all(),
            "may_act": visits.may_visit(request.user, v.enterprise),
            "today": timezone.localdate(),
        },
    )


@login_required
def visit_photo(request: HttpRequest, pk: int, photo: int) -> HttpResponse:
    p = _visit(request, pk).photos.filter(pk=photo).first()
    if p is None:
        raise Http404
    return file_response(
        p.file, kind=p.content_type, filename=f"visit-{pk}-{photo}.{p.content_type}", inline=True
    )


@login_required
def visit_coverage(request: HttpRequest) -> HttpResponse:
    """Coverage of each visit target under the command office's place, with the enterprises
    not visited in time and their cadres."""
    places = command_jurisdictions(request.user)
    if not places:
        raise PermissionDenied(_("For command offices."))
    return render(
        request,
        "cases/coverage.html",
        {"place": places[0], "coverage": visits.coverage(user=request.user, node=places[0])},
    )


@login_required
def green_channels(request: HttpRequest) -> HttpResponse:
    """绿色通道: the enterprises of the command office's place put first in every queue; set
    one (with the reason) or take it off."""
    places = command_jurisdictions(request.user)
    if not places:
        raise PermissionDenied(_("For command offices."))
    enterprises = scoped(Enterprise.objects.order_by("name"), request.user)
    if request.method == "POST":
        enterprise = enterprises.filter(pk=parse_id(request.POST.get("enterprise"))).first()
        try:
            if enterprise is None:
                raise UserError(_("Choose the enterprise."))
            enterprise_services.green_channel_set(
                actor=request.user,
                enterprise=enterprise,
                on=request.POST.get("on") == "1",
                reason=request.POST.get("reason", ""),
            )
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("cases:green")
    channels = scoped(
        GreenChannel.objects.filter(is_active=True).select_related("enterprise", "set_by"),
        request.user,
    ).order_by("enterprise__name")
    return render(
        request,
        "cases/green.html",
        {
            "channels": channels,
            "place": places[0],
            **dict(zip(("enterprises", "q", "more"), _choices(request, enterprises), strict=True)),
        },
    )


@login_required
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    try:
        services.note_add(actor=request.user, case=case, text=request.POST.get("text", ""))
    except UserError as exc:
        return _detail(request, case, error=exc.message, status=exc.status)
    messages.success(request, _("Step logged."))
    return redirect("cases:detail", pk=case.pk)
