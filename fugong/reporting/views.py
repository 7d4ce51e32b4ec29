"""Upward reporting pages (DHIS2's data approval): a node submits the day's figures computed
from the registry (never typed), the level above sees the 催报 board, reminds and reopens with
a reason; and the statistics settings (rate denominator, report deadline).

Views validate input and call one service; a UserError comes back as its sentence: on the
same page with what was typed kept (400/409), or on an error page (403 not allowed, 404 a node
the user may not see, 400 a bad day)."""

from __future__ import annotations

import datetime
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.accounts.models import Jurisdiction
from fugong.accounts.selectors import command_jurisdictions, jurisdiction_roots
from fugong.core.errors import NotAllowed, UserError
from fugong.core.scope import get_scope, scoped
from fugong.reporting import selectors as reporting
from fugong.reporting import services
from fugong.reporting.workflow import available_actions
from fugong.stats import figures as F
from fugong.stats import selectors as stats_selectors
from fugong.stats import services as stats_services
from fugong.stats.choices import Denominator
from fugong.stats.models import StatsSetting

# ---------------------------------------------------------------------------- forms


class SubmitForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note for the level above"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class ReopenForm(forms.Form):
    # Not required here: the service says why a reason is needed, in the same words as the API.
    reason = forms.CharField(
        label=gettext_lazy("Reason for reopening"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class SettingForm(forms.Form):
    rate_denominator = forms.ChoiceField(
        label=gettext_lazy("The resumption rate (复工率) divides by"),
        choices=Denominator.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    report_deadline = forms.TimeField(
        label=gettext_lazy("Daily report due by"),
        required=False,
        help_text=gettext_lazy(
            "Empty: the deadline of the level above applies, or the platform's default."
        ),
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
        error_messages={"invalid": gettext_lazy("Write the time as HH:MM, e.g. 12:00.")},
    )


# ---------------------------------------------------------------------------- helpers


def _check_fields() -> str:
    return _("Check the highlighted fields.")


class _NotFound(UserError):
    code = "not_found"
    status = 404


def _sentences(view):
    """A UserError raised while reading the request becomes its sentence on an error page
    with its status (a node the user may not see 404, a bad day 400). NotAllowed goes on to
    the shared 403 page with its sentence (fugong.core.permissions)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotAllowed:
            raise
        except UserError as exc:
            return render(
                request,
                "reporting/reporting_error.html",
                {"message": exc.message, "status": exc.status},
                status=exc.status,
            )

    return wrapper


def _visible_node(user, value) -> Jurisdiction:
    try:
        return stats_selectors.visible_node(user=user, value=value)
    except UserError as exc:
        raise _NotFound(exc.message) from None


def _home_nodes(user) -> list[Jurisdiction]:
    """The nodes a user reports for or oversees by default: their command offices'
    jurisdictions (a platform administrator: the top of the tree)."""
    nodes = command_jurisdictions(user)
    if not nodes and get_scope(user).everything:
        nodes = jurisdiction_roots(user=user)
    return nodes


def _revision(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _page_url(node: Jurisdiction, day: datetime.date) -> str:
    return (
        f"{reverse('reporting:reporting')}?{urlencode({'node': node.pk, 'day': day.isoformat()})}"
    )


def _figure_rows(figures: F.Figures) -> list[dict]:
    def row(label, cell, indent=0, total=False):
        return {
            "label": label,
            "cell": cell,
            "rate": cell.rate(figures.denominator),
            "indent": indent,
            "total": total,
        }

    rows = [row(_("Total"), figures.total, total=True)]
    for spec in F.category_rows():
        cell = figures.row(spec)
        if cell.units:
            rows.append(row(spec.label, cell, spec.indent))
    return rows


def _corrections(frozen: F.Figures, live: F.Figures) -> list[dict]:
    names = {
        "units": _("Units"),
        "need": _("Need to resume"),
        "resumed": _("Resumed"),
        "resumed_need": _("Resumed, of those that need to"),
        "employees": _("Employees"),
        "returned": _("Staff back"),
    }
    return [
        {"label": c.label, "figure": c.figure, "name": names.get(c.figure, c.figure),
         "reported": c.reported, "now": c.now}
        for c in F.corrections(frozen=frozen, live=live)
    ]  # fmt: skip


def _access(user, node: Jurisdiction) -> tuple[bool, bool, bool]:
    """(may submit the node's figures, may remind and reopen the node, may oversee the nodes
    reporting to it)."""
    reports = reporting.reports_upward(node)
    submits = reports and services.can_submit(user, node)
    oversees = reports and services.can_oversee(user, node)
    # Every child shares the node's ancestors: overseeing one means overseeing them all.
    oversees_children = node.depth < reporting.REPORTING_MAX_DEPTH and (
        services.can_submit(user, node) or services.can_oversee(user, node)
    )
    return submits, oversees, oversees_children


def _page(
    request: HttpRequest,
    node: Jurisdiction,
    day: datetime.date,
    *,
    status: int = 200,
    error: str = "",
    error_node: Jurisdiction | None = None,
    submit_form: SubmitForm | None = None,
    submit_note: str = "",
    reopen_form: ReopenForm | None = None,
) -> HttpResponse:
    user = request.user
    if not reporting.reports_upward(node) and not reporting.reporting_children(
        user=None, node=node
    ):
        raise UserError(
            _(
                "%(name)s does not take part in upward reporting: towns, streets and the levels "
                "above them report their figures."
            )
            % {"name": node.name},
            code="not_reporting",
        )
    submits, oversees, oversees_children = _access(user, node)
    if not (submits or oversees or oversees_children) or not F.covers(user, node):
        raise NotAllowed(
            _(
                "Upward reporting of %(name)s is done by its command office and watched by the "
                "command offices above it; your role takes no part in it."
            )
            % {"name": node.name}
        )
    board = reporting.submission_board(user=user, node=node, day=day) if oversees_children else None
    if board and board.rows:
        # Each child's forms (reopen a submitted day) come from the workflow table.
        board_rows = [(row, {t.action for t in available_actions(user, row)}) for row in board.rows]
    else:
        board_rows = []
    context: dict = {
        "node": node,
        "day": day,
        "today": timezone.localdate(),
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "parent": None,
        "submits": submits,
        "oversees": oversees,
        "board": board if board and board.rows else None,
        "board_rows": board_rows,
        "error": error,
        "error_node": error_node,
        "reopen_form": reopen_form,
        "places": _home_nodes(user),
    }
    if node.parent_id:
        context["parent"] = scoped(Jurisdiction.objects.filter(pk=node.parent_id), user).first()
    if submits or oversees:
        state = reporting.submission_state(node=node, day=day)
        live = F.compute(user=None, node=node, day=day)
        frozen = F.snapshot_get(node=node, day=day) if state.is_submitted else None
        shown = frozen or live
        context.update(
            state=state,
            # The node's own forms (submit; reopen) come from the workflow table.
            actions={t.action for t in available_actions(user, state)},
            figures=shown,
            figure_rows=_figure_rows(shown),
            denominator_label=Denominator(shown.denominator).label,
            corrections=_corrections(frozen, live) if frozen else [],
            events=reporting.submission_events(state),
            # After a refusal the note typed is kept, with the revision as it is now.
            submit_form=submit_form
            or SubmitForm(initial={"revision": state.revision, "note": submit_note}),
            new_today=live.total.new_resumed,
        )
    return render(request, "reporting/reporting.html", context, status=status)


def _day(node: Jurisdiction, value) -> datetime.date:
    day = F.parse_day(value)
    F.check_day(node, day)
    return day


# ---------------------------------------------------------------------------- pages


@login_required
@_sentences
def reporting_page(request: HttpRequest) -> HttpResponse:
    if request.GET.get("node"):
        node = _visible_node(request.user, request.GET["node"])
    else:
        nodes = _home_nodes(request.user)
        if not nodes:
            raise NotAllowed(
                _(
                    "Upward reporting is done by command offices; your account belongs to none. "
                    "Ask your administrator if you need it."
                )
            )
        node = nodes[0]
    return _page(request, node, _day(node, request.GET.get("day")))


def _posted(request: HttpRequest) -> tuple[Jurisdiction, datetime.date, Jurisdiction]:
    """The node acted on, the day, and the node whose page the form was on."""
    node = _visible_node(request.user, request.POST.get("node"))
    page = node
    if request.POST.get("page") and request.POST.get("page") != request.POST.get("node"):
        page = _visible_node(request.user, request.POST.get("page"))
    return node, _day(node, request.POST.get("day")), page


@login_required
@require_POST
@_sentences
def reporting_submit(request: HttpRequest) -> HttpResponse:
    node, day, page = _posted(request)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        return _page(request, page, day, status=400, error=_check_fields(), submit_form=form)
    data = form.cleaned_data
    zero = request.POST.get("zero") == "1"
    try:
        sub = services.submission_submit(
            actor=request.user,
            node=node,
            day=day,
            zero=zero,
            note=data.get("note") or "",
            revision=_revision(request.POST.get("revision")),
        )
    except NotAllowed:
        raise
    except UserError as exc:
        return _page(
            request,
            page,
            day,
            status=exc.status,
            error=exc.message,
            submit_note=data.get("note") or "",
        )
    if sub.is_zero:
        messages.success(
            request,
            _("Zero report of %(day)s submitted; the day is locked.") % {"day": day.isoformat()},
        )
    else:
        messages.success(
            request,
            _("Figures of %(day)s submitted; the day is locked.") % {"day": day.isoformat()},
        )
    return redirect(_page_url(page, day))


@login_required
@require_POST
@_sentences
def reporting_reopen(request: HttpRequest) -> HttpResponse:
    node, day, page = _posted(request)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _page(
            request, page, day, status=400, error=_check_fields(), error_node=node, reopen_form=form
        )
    try:
        services.submission_reopen(
            actor=request.user,
            node=node,
            day=day,
            reason=form.cleaned_data.get("reason") or "",
            revision=_revision(request.POST.get("revision")),
        )
    except NotAllowed:
        raise
    except UserError as exc:
        return _page(
            request,
            page,
            day,
            status=exc.status,
            error=exc.message,
            error_node=node,
            reopen_form=form,
        )
    messages.success(
        request,
        _("%(name)s's figures of %(day)s are reopened; it can correct and submit again.")
        % {"name": node.name, "day": day.isoformat()},
    )
    return redirect(_page_url(page, day))


@login_required
@require_POST
@_sentences
def reporting_remind(request: HttpRequest) -> HttpResponse:
    if request.POST.get("all") == "1":
        page = _visible_node(request.user, request.POST.get("page") or request.POST.get("node"))
        day = _day(page, request.POST.get("day"))
        if not _access(request.user, page)[2]:
            raise NotAllowed(
                _("Only a command office above them may remind the nodes under %(name)s.")
                % {"name": page.name}
            )
        nodes = [
            r.node
            for r in reporting.submission_board(user=request.user, node=page, day=day).waiting
        ]
    else:
        node, day, page = _posted(request)
        nodes = [node]
    n = services.submission_remind(actor=request.user, nodes=nodes, day=day)
    if n:
        messages.success(
            request,
            _("Reminded %(n)s that have not submitted the figures of %(day)s.")
            % {"n": n, "day": day.isoformat()},
        )
    else:
        messages.info(request, _("Nobody to remind: all have submitted."))
    return redirect(_page_url(page, day))


# ---------------------------------------------------------------------------- settings


def _setting_places(user) -> list[Jurisdiction]:
    """The user's own nodes and the reporting nodes under them, whose settings they may set."""
    roots = _home_nodes(user)
    if not roots:
        return []
    qs = Jurisdiction.objects.none()
    for root in roots:
        qs |= Jurisdiction.objects.filter(
            path__startswith=root.path, depth__lte=reporting.REPORTING_MAX_DEPTH, is_active=True
        )
    return list(scoped(qs, user).order_by("path")[:500])


@login_required
@_sentences
def settings_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    places = _setting_places(user)
    wanted = request.POST.get("jurisdiction") or request.GET.get("jurisdiction")
    if wanted:
        node = _visible_node(user, wanted)
    elif places:
        node = places[0]
    else:
        raise NotAllowed(
            _("Statistics settings are set by command offices; your account belongs to none.")
        )
    if not stats_services.can_configure(user, node):
        raise NotAllowed(
            _("Only the command office of %(name)s or above may change its settings.")
            % {"name": node.name}
        )
    own = StatsSetting.objects.filter(jurisdiction=node).first()
    form = SettingForm(
        request.POST or None,
        initial={
            "rate_denominator": F.denominator_for(node),
            "report_deadline": own.report_deadline if own else None,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                stats_services.setting_set(
                    actor=user,
                    node=node,
                    rate_denominator=form.cleaned_data["rate_denominator"],
                    report_deadline=form.cleaned_data["report_deadline"],
                )
            except NotAllowed:
                raise
            except UserError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Settings of %(name)s saved.") % {"name": node.name})
                return redirect(f"{reverse('reporting:settings')}?jurisdiction={node.pk}")
        else:
            status = 400
    inherited = F.setting_for(node)
    return render(
        request,
        "reporting/settings.html",
        {
            "node": node,
            "places": places if node in places else [node, *places],
            "form": form,
            "own": own,
            "inherited": inherited,
            "denominator": F.denominator_for(node),
            "denominator_label": Denominator(F.denominator_for(node)).label,
            "deadline": reporting.deadline_times([node])[node.pk],
        },
        status=status,
    )


urlpatterns = [
    path("reporting/", reporting_page, name="reporting"),
    path("reporting/submit/", reporting_submit, name="reporting_submit"),
    path("reporting/reopen/", reporting_reopen, name="reporting_reopen"),
    path("reporting/remind/", reporting_remind, name="reporting_remind"),
    path("settings/", settings_page, name="settings"),
]
