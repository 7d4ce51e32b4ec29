from __future__ import annotations

import uuid
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.accounts.choices import Role
from fugong.accounts.models import Jurisdiction
from fugong.accounts.selectors import active_memberships, command_jurisdictions
from fugong.core import registry
from fugong.core.errors import UserError
from fugong.core.ids import parse_id
from fugong.core.jobs import job_start
from fugong.core.masking import mask_id_number, mask_phone
from fugong.core.scope import scoped
from fugong.enterprises.models import Enterprise
from fugong.stats import staff
from fugong.workforce import checkins, export, home, passes, rules, selectors, services
from fugong.workforce import phone_entry as phone_entry_mod
from fugong.workforce.choices import Half, Location, Origin, PassStatus, Symptom, WorkStatus
from fugong.workforce.forms import EmployeeForm, OriginRuleForm, RegionRiskForm
from fugong.workforce.models import CheckIn, Employee, OriginRule, RegionRisk
from fugong.workforce.services import EDITABLE


def _shown(employee, user) -> None:
    """The ID number and phone as this reader may see them."""
    clear = registry.hook("sees_personal_data")(user, enterprise_id=employee.enterprise_id)
    number, phone = employee.person.id_number, employee.phone
    employee.id_shown = number if clear else mask_id_number(number)
    employee.phone_shown = phone if clear else mask_phone(phone)


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    """The staff the user may see (their own enterprise's; a command office its area's, the
    numbers masked), 50 a page, filtered by work status and origin."""
    qs = selectors.employee_list(user=request.user)
    status = request.GET.get("status", "")
    origin = request.GET.get("origin", "")
    if status in WorkStatus.values:
        qs = qs.filter(work_status=status)
    if origin in Origin.values:
        qs = qs.filter(origin=origin)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for employee in page:
        _shown(employee, request.user)
    return render(
        request,
        "workforce/roster.html",
        {
            "page": page,
            "status": status,
            "origin": origin,
            "statuses": WorkStatus.choices,
            "origins": Origin.choices,
            # The user keeps one enterprise's roster (an administrator adds from its page).
            "can_add": services.roster_enterprises(request.user)[:2].count() == 1,
        },
    )


def _enterprise(request: HttpRequest):
    """The enterprise whose roster is kept: the one asked for among the user's, else their
    only one."""
    mine = services.roster_enterprises(request.user)
    wanted = parse_id(request.GET.get("enterprise") or request.POST.get("enterprise"))
    if wanted is not None:
        found = mine.filter(pk=wanted).first()
    else:
        found = mine.first() if mine[:2].count() == 1 else None
    if found is None:
        raise PermissionDenied(_("Only the enterprise's own users keep its roster."))
    return found


@login_required
def employee_new(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    form = EmployeeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.employee_create(
                actor=request.user,
                enterprise=enterprise,
                name=data.pop("name"),
                id_number=data.pop("id_number"),
                phone=data.pop("phone"),
                **data,
            )
        except UserError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("workforce:roster")
    return render(request, "workforce/employee_form.html", {"form": form, "enterprise": enterprise})


@login_required
def employee_edit(request: HttpRequest, pk: int) -> HttpResponse:
    employee = selectors.employee_list(user=request.user).filter(pk=pk).first()
    if employee is None:
        raise Http404
    if not services.may_keep_roster(request.user, employee.enterprise):
        raise PermissionDenied(_("Only the enterprise's own users keep its roster."))
    initial = {name: getattr(employee, name) for name in EDITABLE} | {"phone": employee.phone}
    form = EmployeeForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.employee_update(actor=request.user, employee=employee, **form.cleaned_data)
        except UserError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("workforce:roster")
    _shown(employee, request.user)
    return render(
        request,
        "workforce/employee_form.html",
        {"form": form, "enterprise": employee.enterprise, "employee": employee},
    )


@login_required
@require_POST
def roster_export(request: HttpRequest) -> HttpResponse:
    """Export the user's enterprise's roster as a background job; its page shows progress."""
    enterprise = _enterprise(request)
    job = job_start(
        kind=export.KIND,
        title=_("Export of the roster of %(enterprise)s") % {"enterprise": enterprise.name},
        user=request.user,
        params={"enterprise": enterprise.pk},
    )
    return redirect("core:job", pk=job.pk)


@login_required
def origin_rules(request: HttpRequest) -> HttpResponse:
    """The origin rules in force at the user's place (its own or inherited from above), its
    own rules over time, and a form to add one (the people touched are evaluated again in
    the background; the job's page shows how many)."""
    places = command_jurisdictions(request.user)
    if not places:
        raise PermissionDenied(_("Only the place's command office sets its origin rules."))
    asked = request.GET.get("jurisdiction") or request.POST.get("jurisdiction")
    wanted = parse_id(asked)
    place = next((p for p in places if p.pk == wanted), None if asked else places[0])
    if place is None:  # never quietly another place than the one asked for
        raise PermissionDenied(_("Only the place's command office sets its origin rules."))
    form = OriginRuleForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            _rule, job = rules.rule_add(actor=request.user, jurisdiction=place, **form.cleaned_data)
        except UserError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved. The people it touches are evaluated again."))
            return redirect("core:job", pk=job.pk)
    book = rules.RuleBook()
    in_force = [(label, book.rule_for(place.path, value)) for value, label in Origin.choices]
    own = OriginRule.objects.filter(jurisdiction=place).order_by("-effective_from", "origin")
    return render(
        request,
        "workforce/rules.html",
        {"place": place, "places": places, "in_force": in_force, "own": own, "form": form},
    )


# -- passes (出入证) ---------------------------------------------------------------------------
def _gate_url(request: HttpRequest, p) -> str:
    code = passes.signed_code(p)
    return request.build_absolute_uri(reverse("workforce:gate")) + "?" + urlencode({"code": code})


@login_required
def employee_pass(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's passes: request one, see its QR code (the gate's address with the signed
    code), revoke it."""
    employee = selectors.employee_list(user=request.user).filter(pk=pk).first()
    if employee is None:
        raise Http404
    keeper = services.may_keep_roster(request.user, employee.enterprise)
    if not keeper and not passes.may_oversee(request.user, employee):
        raise PermissionDenied(_("Only the enterprise or its grid chief sees its passes."))
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                p = employee.passes.filter(pk=parse_id(request.POST.get("pass"))).first()
                if p is None:
                    raise Http404
                passes.pass_revoke(actor=request.user, p=p, reason=request.POST.get("reason", ""))
                messages.success(request, _("The pass is revoked."))
            else:
                p = passes.pass_request(actor=request.user, employee=employee)
                if p.status == PassStatus.PENDING:
                    messages.info(request, _("Requested: the grid chief approves it."))
                else:
                    messages.success(request, _("The pass is issued."))
        except UserError as exc:
            messages.error(request, exc.message)
        return redirect("workforce:employee_pass", pk=employee.pk)
    rows = []
    for p in employee.passes.order_by("-pk"):
        qr = ""
        if p.status == PassStatus.VALID:
            qr = segno.make(_gate_url(request, p), error="m").svg_inline(scale=4)
        rows.append((p, qr, passes.check_code(p) if qr else ""))
    _shown(employee, request.user)
    return render(
        request,
        "workforce/pass.html",
        {
            "employee": employee,
            "rows": rows,
            "keeper": keeper,
            "may_request": keeper and not passes.live(employee).exists(),
        },
    )


@login_required
def pass_approvals(request: HttpRequest) -> HttpResponse:
    """The grid chief's list of passes waiting for approval (their grid's enterprises)."""
    if request.method == "POST":
        p = passes.approvals(request.user).filter(pk=parse_id(request.POST.get("pass"))).first()
        if p is None:
            raise Http404
        try:
            passes.pass_approve(actor=request.user, p=p)
            messages.success(request, _("Approved: the pass is issued."))
        except UserError as exc:
            messages.error(request, exc.message)
        return redirect("workforce:pass_approvals")
    waiting = list(passes.approvals(request.user)[:200])
    for p in waiting:
        p.reason = p.employee.measure_reason
    return render(request, "workforce/pass_approvals.html", {"waiting": waiting})


@login_required
def gate(request: HttpRequest) -> HttpResponse:
    """The gate page on a phone: the QR code opens it with its code, or the pass number is
    typed; it says valid / not valid / revoked with the minimum of data."""
    code = request.GET.get("code", "")
    result = passes.gate_check(actor=request.user, code=code) if code else None
    return render(request, "workforce/gate.html", {"result": result, "code": code[:100]})


# -- the daily check-in ------------------------------------------------------------------------
def _checkin_posted(request: HttpRequest, *, actor, employee) -> None:
    """The check-in form's post (the employee's page and the phone page share it)."""
    _row, made = checkins.checkin_record(
        actor=actor,
        employee=employee,
        day=timezone.localdate(),
        half=checkins.current_half(),
        temperature=request.POST.get("temperature", ""),
        symptoms=sum(v for v in (parse_id(x) for x in request.POST.getlist("symptom")) if v),
        location=parse_id(request.POST.get("location")) or 0,
        key=request.POST.get("key") or None,
    )
    messages.success(request, _("Checked in.") if made else _("Already checked in."))


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """The employee's own page (a phone): their status, their pass, and the check-in of this
    half-day (a retried submission is the same check-in: the form carries its key)."""
    employee = home.mine(request.user)
    if employee is None:
        raise PermissionDenied(_("Your account is on no enterprise's roster: ask your enterprise."))
    if request.method == "POST":
        try:
            _checkin_posted(request, actor=request.user, employee=employee)
        except (UserError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Check what you typed.")))
        return redirect("workforce:me")
    day = home.my_day(employee)
    live = day["pass"]
    qr = segno.make(_gate_url(request, live), error="m").svg_inline(scale=4) if live else ""
    return render(
        request,
        "workforce/me.html",
        {**day, "qr": qr},
    )


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """The enterprise's check-ins of this half-day: how many, the abnormal ones, who has not
    checked in (未报)."""
    enterprise = _enterprise(request)
    day, half = timezone.localdate(), checkins.current_half()
    if request.method == "POST":  # 催报
        told = checkins.remind(actor=request.user, enterprise=enterprise, day=day, half=half)
        messages.success(request, _("%(n)s people reminded.") % {"n": told})
        return redirect("workforce:today")
    staff = Employee.objects.filter(enterprise=enterprise, work_status__in=checkins.EXPECTED)
    done = CheckIn.objects.filter(employee__enterprise=enterprise, day=day, half=half)
    abnormal = (
        CheckIn.objects.filter(employee__enterprise=enterprise, day=day, abnormal=True)
        .select_related("employee__person")
        .order_by("-at")
    )
    missing = list(checkins.not_reported(enterprise=enterprise, day=day, half=half)[:500])
    entry = request.build_absolute_uri(
        reverse("workforce:phone_entry", args=[phone_entry_mod.enterprise_code(enterprise)])
    )
    return render(
        request,
        "workforce/today.html",
        {
            "enterprise": enterprise,
            "half": Half(half).label,
            "staff": staff.count(),
            "checked": done.count(),
            "abnormal": abnormal,
            "missing": missing,
            "entry": entry,
            # Only where the one-time codes can be sent (else the page could not be used).
            "entry_qr": segno.make(entry, error="m").svg_inline(scale=3)
            if settings.FUGONG_SMS_URL and settings.FUGONG_SMS_CODE_TEMPLATE
            else "",
        },
    )


@login_required
def health(request: HttpRequest) -> HttpResponse:
    """The grid chief's, town's or county's view of the day: abnormal check-ins, and the
    enterprises whose people have not checked in (未报), in the user's scope."""
    if (
        not {m.role for m in active_memberships(request.user)} & checkins.OVERSEERS
        and not request.user.is_superuser
    ):
        raise PermissionDenied(_("For grid chiefs and command offices."))
    day, half = timezone.localdate(), checkins.current_half()
    if request.method == "POST":  # 催报 of one enterprise of the list
        enterprise = get_object_or_404(
            scoped(Enterprise.objects.all(), request.user),
            pk=parse_id(request.POST.get("enterprise")),
        )
        told = checkins.remind(actor=request.user, enterprise=enterprise, day=day, half=half)
        messages.success(
            request,
            _("%(n)s people of %(enterprise)s reminded.")
            % {"n": told, "enterprise": enterprise.name},
        )
        return redirect("workforce:health")
    abnormal, missing = checkins.overview(user=request.user, day=day, half=half)
    for c in abnormal:
        c.name = passes.masked_name(c.employee.person.name)
    return render(
        request,
        "workforce/health.html",
        {"abnormal": abnormal, "missing": missing, "half": Half(half).label},
    )


# -- the check-in by phone, from the enterprise's QR code (no account) --------------------------
ENTRY_SESSION = "workforce_phone_checkin"


def phone_entry(request: HttpRequest, code: str) -> HttpResponse:
    """The page the enterprise's QR code opens: the phone number, then the code, then the
    check-in (the session remembers the proved person for 30 minutes)."""
    enterprise = phone_entry_mod.enterprise_from(code)
    if enterprise is None:
        raise Http404
    proved = request.session.get(ENTRY_SESSION) or {}
    employee = None
    if proved.get("enterprise") == enterprise.pk:
        employee = (
            Employee.objects.filter(pk=proved.get("employee"), enterprise=enterprise)
            .select_related("person")
            .first()
        )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "send":
                phone_entry_mod.code_send(enterprise=enterprise, phone=request.POST.get("phone"))
                request.session[ENTRY_SESSION + "_phone"] = request.POST.get("phone", "")[:20]
                messages.info(
                    request,
                    _("If this number is on the roster, a code is on its way by text message."),
                )
            elif action == "verify":
                found = phone_entry_mod.code_check(
                    enterprise=enterprise,
                    phone=request.session.get(ENTRY_SESSION + "_phone", ""),
                    code=request.POST.get("code", ""),
                )
                request.session[ENTRY_SESSION] = {"enterprise": enterprise.pk, "employee": found.pk}
                request.session.set_expiry(1800)
            elif action == "checkin" and employee is not None:
                _checkin_posted(request, actor=checkins.PROVED_BY_PHONE, employee=employee)
        except (UserError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("Check what you typed.")))
        return redirect("workforce:phone_entry", code=code)
    done = None
    if employee is not None:
        done = employee.checkins.filter(
            day=timezone.localdate(), half=checkins.current_half()
        ).first()
    return render(
        request,
        "workforce/phone_entry.html",
        {
            "enterprise": enterprise,
            "employee": employee,
            "name": passes.masked_name(employee.person.name) if employee else "",
            "asked": bool(request.session.get(ENTRY_SESSION + "_phone")),
            "sms_on": bool(settings.FUGONG_SMS_URL and settings.FUGONG_SMS_CODE_TEMPLATE),
            "done": done,
            "half": Half(checkins.current_half()).label,
            "key": uuid.uuid4(),
            "symptoms": Symptom.choices,
            "locations": Location.choices,
        },
    )


@login_required
def risks(request: HttpRequest) -> HttpResponse:
    """The region risk list (a platform administrator keeps it): each region's level in force
    and its history; a change re-evaluates the people from the region in the background."""
    if Role.PLATFORM_ADMIN not in {m.role for m in active_memberships(request.user)} and (
        not request.user.is_superuser
    ):
        raise PermissionDenied(_("Only a platform administrator keeps the region risk list."))
    form = RegionRiskForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            _risk, job = rules.risk_set(actor=request.user, **form.cleaned_data)
        except UserError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved. The people from the region are evaluated again."))
            return redirect("core:job", pk=job.pk)
    book = rules.RuleBook()
    history = RegionRisk.objects.order_by("region", "-effective_from")[:500]
    return render(
        request,
        "workforce/risks.html",
        {
            "form": form,
            "in_force": sorted(book.risks.values(), key=lambda r: r.region),
            "history": history,
        },
    )


@login_required
def place_figures(request: HttpRequest) -> HttpResponse:
    """The town's or county's figures of the day by place below it, with drill-down: 返工率
    from the rosters and check-in coverage (both definitions on the page)."""
    places = command_jurisdictions(request.user)
    if not places:
        raise PermissionDenied(_("For grid chiefs and command offices."))
    wanted = parse_id(request.GET.get("place"))
    node = places[0]
    if wanted is not None:
        node = scoped(Jurisdiction.objects.filter(pk=wanted), request.user).first()
        if node is None or not any(node.path.startswith(p.path) for p in places):
            raise Http404
    figures = staff.compute(user=request.user, node=node, day=timezone.localdate())
    return render(
        request,
        "workforce/figures.html",
        {"node": node, "figures": figures, "top": places[0]},
    )
