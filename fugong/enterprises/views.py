"""Enterprise pages: the filtered list (with the four ledgers and the unassigned list as
views of it), detail with tabs, create and edit, overrides, 包保 and bulk actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from fugong.accounts.models import User
from fugong.core.errors import Conflict, UserError
from fugong.core.jobs import job_start
from fugong.core.masking import mask_phone
from fugong.core.redirects import safe_next
from fugong.enterprises import permissions, rules, services
from fugong.enterprises.choices import TIER_LEADER, Category, Ledger, Tier
from fugong.enterprises.derivation import derive_category, derive_key
from fugong.enterprises.figures import ledger_counts
from fugong.enterprises.filters import filter_params
from fugong.enterprises.forms import (
    AssignmentForm,
    BulkActionForm,
    CategoryOverrideForm,
    EnterpriseForm,
    KeyOverrideForm,
)
from fugong.enterprises.models import Assignment, Enterprise
from fugong.enterprises.selectors import (
    ListRow,
    assignable_people,
    enterprise_assignments,
    enterprise_count,
    enterprise_filtered,
    enterprise_get,
    enterprise_page,
    filter_node,
)

PAGE_SIZE = 50
LEDGER_TABS = [(f"ledger-{value}", value, label) for value, label in Ledger.choices]

# Views of the list with a fixed filter: the four ledgers (seed 003) and the unassigned list.
PRESETS = {
    **{f"ledger-{value}": ({"ledger": value}, label) for value, label in Ledger.choices},
    "unassigned": ({"unassigned": "true"}, None),
}


def _list_context(request: HttpRequest, data: QueryDict, fixed: dict | None = None) -> dict:
    """``fixed``: the filters a preset view sets (their controls are not shown)."""
    fixed = fixed or {}
    qs, filterset = enterprise_filtered(user=request.user, data=data)
    paginator = Paginator(qs, PAGE_SIZE)
    paginator.count = enterprise_count(user=request.user, filterset=filterset, queryset=qs)
    page = paginator.get_page(request.GET.get("page"))
    start = (page.number - 1) * PAGE_SIZE
    page.object_list = enterprise_page(qs, start, start + PAGE_SIZE, total=paginator.count)
    _add_labels(page.object_list, ticks=permissions.can_set_status(request.user))
    query = data.copy()
    query.pop("page", None)
    nosort = query.copy()
    nosort.pop("sort", None)
    return {
        "query_nosort": nosort.urlencode(),
        "page": page,
        "filterset": filterset,
        "query": query.urlencode(),
        "node": filter_node(data.get("jurisdiction")),
        "can_set_status": permissions.can_set_status(request.user),
        "can_manage": permissions.can_manage(request.user),
        "can_import": permissions.can_import(request.user),
        "sort": data.get("sort", ""),
        "choice_filters": [
            (filterset.form[name], _select(filterset.form[name], "form-select form-select-sm"))
            for name in ("tier", "ledger", "status", "is_key")
            if name not in fixed
        ],
        "categories": Category.choices,
        "category_chosen": data.get("category", ""),
    }


def _select(field, css: str | None = None) -> str:
    """A bound choice field as a <select>, written here: Django's widget templates include a
    template per option, which costs more than the list's rows."""
    value = field.value()
    values = value if isinstance(value, (list, tuple)) else [value]
    chosen = {"" if v is None else str(v) for v in values}
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (v, SELECTED if str(v) in chosen else "", label)
            for v, label in field.field.widget.choices
        ),
    )
    return format_html(
        '<select name="{}" class="{}" id="{}">{}</select>',
        field.html_name,
        css or field.field.widget.attrs.get("class", ""),
        field.auto_id,
        options,
    )


def _add_labels(rows: list[ListRow], *, ticks: bool) -> None:
    """Each row of the page as HTML (``row.html``), written here: the template's variables,
    filters and translations per cell cost more than the rest of the page (3 ms of CPU for 50
    rows). Each choice label is translated once per page (``get_FOO_display`` translates every
    label of the field on every call). ``ticks``: a check box to tick the row."""
    if not rows:
        return
    # Each label and value escaped once (format_html per row cost 2 ms of CPU a page).
    categories = {value: escape(label) for value, label in Category.choices}
    ledgers = {value: escape(label) for value, label in Ledger.choices}
    tiers = {value: escape(label) for value, label in Tier.choices}
    detail = reverse("enterprises:detail", args=[0]).removesuffix("0/")
    key_badge = format_html(
        ' <span class="badge text-bg-danger" title="{}">{}</span>', _("Key enterprise"), _("Key")
    )
    for row in rows:
        name = escape(row.name)
        tick = (
            '<td><input class="form-check-input" type="checkbox" name="ids" '
            f'value="{row.pk}" aria-label="{name}"></td>'
            if ticks
            else ""
        )
        tier = (
            f' <span class="badge text-bg-info">{tiers.get(row.tier) or escape(row.tier)}</span>'
            if row.tier
            else ""
        )
        row.html = mark_safe(  # noqa: S308 - every value is escaped here
            f"""<tr>
        {tick}
        <td><a href="{detail}{row.pk}/">{name}</a>{key_badge if row.is_key else ""}{tier}</td>
        <td class="d-none d-lg-table-cell font-monospace small">{escape(row.credit_code)}</td>
        <td>{escape(row.jurisdiction_name)}</td>
        <td class="d-none d-md-table-cell small">{categories.get(row.category) or escape(row.category)}</td>
        <td class="d-none d-md-table-cell small">{ledgers.get(row.ledger) or escape(row.ledger)}</td>
        <td class="text-nowrap small">{row.resumed_on.isoformat() if row.resumed_on else "—"}</td>
        <td class="text-end">{row.employee_count}</td>
      </tr>"""
        )


@login_required
def enterprises(request: HttpRequest, preset: str | None = None) -> HttpResponse:
    data = request.GET.copy()
    title = _("Enterprises")
    fixed: dict = {}
    if preset is not None:
        if preset not in PRESETS:
            raise Http404
        fixed, label = PRESETS[preset]
        for key, value in fixed.items():
            data[key] = value
        title = label or _("Enterprises nobody is assigned to")
    context = _list_context(request, data, fixed)
    bulk_form = BulkActionForm(people=User.objects.none())
    context.update(
        title=title,
        preset=preset,
        ledgers=LEDGER_TABS,
        **_people(request),
        bulk_form=bulk_form,
        bulk_selects={name: _select(bulk_form[name]) for name in ("ledger", "duty", "post")},
    )
    if request.htmx and request.htmx.target == "results":
        return render(request, "enterprises/list.html#results", context)
    return render(request, "enterprises/list.html", context)


PEOPLE_IN_LISTS = 200
SELECTED = mark_safe(" selected")  # noqa: S308 - a constant


def _people(request: HttpRequest) -> dict:
    """People to pick for the filter and bulk assignment: a drop-down when there are few, a
    user-name box when there are too many to list."""
    if not permissions.can_manage(request.user):
        return {"people": [], "people_typed": False}
    people = list(
        assignable_people(user=request.user).values_list("username", "full_name")[
            : PEOPLE_IN_LISTS + 1
        ]
    )
    if len(people) > PEOPLE_IN_LISTS:
        return {"people": [], "people_typed": True}
    # The options of both drop-downs written once here, each name escaped once: a template
    # loop over 200 people costs more than the rest of the page, format_html per option 2 ms.
    chosen = request.GET.get("assigned")
    options = [(u, escape(u), escape(n or u)) for u, n in people]
    return {
        "people": people,
        "people_typed": False,
        "people_options": mark_safe(  # noqa: S308 - every value escaped above
            "".join(f'<option value="{value}">{name}</option>' for _u, value, name in options)
        ),
        "people_filter_options": mark_safe(  # noqa: S308 - every value escaped above
            "".join(
                f'<option value="{value}"{SELECTED if u == chosen else ""}>{name}</option>'
                for u, value, name in options
            )
        ),
    }


@login_required
def ledger_tabs(request: HttpRequest) -> HttpResponse:
    """The ledger tabs with their counts, loaded after the list (HTMX)."""
    preset = request.GET.get("preset", "")
    context = {
        "ledgers": LEDGER_TABS,
        "ledger_counts": ledger_counts(user=request.user),
        "preset": preset if preset in PRESETS else "",
    }
    return render(request, "enterprises/_ledger_tabs.html", context)


@login_required
@require_POST
def enterprise_export(request: HttpRequest) -> HttpResponse:
    """Start an export of the filtered list as a background job and show its progress."""
    data = QueryDict(request.POST.get("query", ""), mutable=True)
    job = job_start(
        kind="enterprises.export",
        title=_("Export of the enterprise list"),
        user=request.user,
        params=filter_params(data),
    )
    return redirect("core:job", pk=job.pk)


@login_required
@require_POST
def enterprise_bulk(request: HttpRequest) -> HttpResponse:
    people = assignable_people(user=request.user)
    form = BulkActionForm(request.POST, people=people)
    back = safe_next(request, request.POST.get("next"), reverse("enterprises:list"))
    if not form.is_valid():
        if (
            request.POST.get("action") == "resumed"
            and request.POST.get("confirm") == "1"
            and "ids" not in form.errors
        ):
            # On the page of staff numbers (a date cleared there): keep what was typed.
            problems = [error for errors in form.errors.values() for error in errors]
            return _bulk_resumed(
                request, ids=form.cleaned_data["ids"], resumed_on=None, back=back, problems=problems
            )
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    ids = data["ids"]
    try:
        if data["action"] == "assign":
            if not permissions.can_manage(request.user):
                raise PermissionDenied
            n = services.assignments_bulk_create(
                actor=request.user,
                enterprise_ids=ids,
                user=data["user"],
                duty=data["duty"],
                post=data["post"],
            )
            messages.success(
                request,
                ngettext("%(n)d enterprise assigned.", "%(n)d enterprises assigned.", n) % {"n": n},
            )
        elif data["action"] == "resumed":
            return _bulk_resumed(request, ids=ids, resumed_on=data["resumed_on"], back=back)
        else:
            if not permissions.can_set_status(request.user):
                raise PermissionDenied
            n = services.enterprises_set_status(
                actor=request.user, enterprise_ids=ids, ledger=data["ledger"] or None
            )
            messages.success(
                request,
                ngettext("%(n)d enterprise changed.", "%(n)d enterprises changed.", n) % {"n": n},
            )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except UserError as exc:
        messages.error(request, exc.message)
    return redirect(back)


def _bulk_resumed(
    request: HttpRequest, *, ids: list[int], resumed_on, back: str, problems: list[str] = ()
) -> HttpResponse:
    """The "Mark as resumed" action asks for the staff back at work at each ticked
    enterprise (a page listing them, with their employees), then marks them resumed with the
    date and those numbers; what was typed is kept when something is refused."""
    if not permissions.can_set_status(request.user):
        raise PermissionDenied
    rows = list(enterprise_filtered(user=request.user, data={})[0].filter(pk__in=ids))
    errors: list[str] = list(problems)
    counts: dict[int, int] = {}
    typed: dict[int, str] = {}
    confirming = request.POST.get("confirm") == "1"
    for e in rows:
        text = request.POST.get(f"returned_{e.pk}", "").strip()
        if not confirming:
            typed[e.pk] = "" if e.returned_count is None else str(e.returned_count)
            continue
        typed[e.pk] = text
        if not text.isdecimal() or len(text) > 9:  # int() refuses 4,300 digits and more
            errors.append(rules.of_enterprise(e.name, _("Give the number of staff back at work.")))
        else:
            counts[e.pk] = int(text)
    if confirming and rows and not errors:
        try:
            n = services.enterprises_set_status(
                actor=request.user,
                enterprise_ids=[e.pk for e in rows],
                resumed_on=resumed_on,
                returned_counts=counts,
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
        except UserError as exc:
            errors.append(exc.message)
        else:
            messages.success(
                request,
                ngettext("%(n)d enterprise changed.", "%(n)d enterprises changed.", n) % {"n": n},
            )
            return redirect(back)
    return render(
        request,
        "enterprises/bulk_resumed.html",
        {
            "rows": [(e, typed.get(e.pk, "")) for e in rows],
            "resumed_on": resumed_on,
            "back": back,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


TABS = [
    ("info", _("Basic information")),
    ("assignments", _("Assigned people")),
    ("history", _("History")),
]


def _detail_context(request: HttpRequest, enterprise: Enterprise) -> dict:
    industry = enterprise.industry
    derived_category = derive_category(
        division=industry.code if industry else None,
        section=industry.section_code if industry else None,
        revenue=enterprise.revenue_last_year,
    )
    threshold = services.key_threshold_for(enterprise.jurisdiction)
    return {
        "enterprise": enterprise,
        "contact_phone": enterprise.contact_phone
        if permissions.can_edit(request.user)
        else mask_phone(enterprise.contact_phone),
        "derived_category": derived_category,
        "derived_key": derive_key(tax_paid=enterprise.tax_paid_last_year, threshold=threshold),
        "can_manage": permissions.can_manage(request.user),
        "can_edit": permissions.can_edit(request.user),
        "tabs": TABS,
    }


@login_required
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = enterprise_get(user=request.user, pk=pk)
    context = _detail_context(request, enterprise)
    context["tab"] = "info"
    return render(request, "enterprises/detail.html", context)


@login_required
def enterprise_assignments_tab(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = enterprise_get(user=request.user, pk=pk)
    context = _detail_context(request, enterprise)
    can_manage = context["can_manage"]
    form = AssignmentForm(request.POST or None, people=assignable_people(user=request.user))
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.assignment_create(
                    actor=request.user, enterprise=enterprise, **form.cleaned_data
                )
                messages.success(request, _("Assignment added."))
                return redirect("enterprises:assignments", pk=pk)
            except ValidationError as exc:
                form.add_error(None, exc)
    context.update(
        tab="assignments",
        assignments=enterprise_assignments(user=request.user, enterprise=enterprise),
        form=form,
        expected_leader=TIER_LEADER.get(enterprise.tier),
    )
    return render(request, "enterprises/detail.html", context)


@login_required
@require_POST
def assignment_remove(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    if not permissions.can_manage(request.user):
        raise PermissionDenied
    enterprise = enterprise_get(user=request.user, pk=pk)
    assignment = Assignment.objects.filter(pk=assignment_id, enterprise=enterprise).first()
    if assignment is None:
        raise Http404
    services.assignment_delete(actor=request.user, assignment=assignment)
    messages.success(request, _("Assignment removed."))
    return redirect("enterprises:assignments", pk=pk)


@login_required
def enterprise_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage(request.user):
        raise PermissionDenied
    form = EnterpriseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.enterprise_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except UserError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Enterprise registered."))
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(
        request, "enterprises/form.html", {"form": form, "title": _("Register an enterprise")}
    )


@login_required
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not permissions.can_edit(request.user):
        raise PermissionDenied
    enterprise = enterprise_get(user=request.user, pk=pk)
    form = EnterpriseForm(request.POST or None, instance=enterprise, user=request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_update(
                actor=request.user,
                enterprise=Enterprise.objects.get(pk=pk),
                seen=request.POST.get("updated_at", ""),
                **form.cleaned_data,
            )
        except Conflict as exc:  # the form comes back with the current stamp and the entries
            form.add_error(
                None,
                _(
                    "Someone else changed this enterprise while you were editing. Your entries are kept below; "
                    "check them against the current record and save again."
                ),
            )
            status = exc.status
        except ValidationError as exc:
            form.add_error(None, exc)
        except UserError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("enterprises:detail", pk=pk)
    return render(
        request,
        "enterprises/form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": enterprise.name},
            "enterprise": enterprise,
        },
        status=status,
    )


@login_required
def enterprise_override(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """Set the category or the key flag by hand with a reason, or go back to the derived value."""
    if not permissions.can_manage(request.user) or what not in ("category", "key"):
        raise PermissionDenied
    enterprise = enterprise_get(user=request.user, pk=pk)
    form_class = CategoryOverrideForm if what == "category" else KeyOverrideForm
    if request.method == "POST" and request.POST.get("clear"):
        if what == "category":
            services.enterprise_clear_category_override(actor=request.user, enterprise=enterprise)
        else:
            services.enterprise_clear_key_override(actor=request.user, enterprise=enterprise)
        messages.success(request, _("The derived value applies again."))
        return redirect("enterprises:detail", pk=pk)
    initial = (
        {"category": enterprise.category}
        if what == "category"
        else {"is_key": "1" if enterprise.is_key else "0"}
    )
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if what == "category":
            services.enterprise_override_category(
                actor=request.user, enterprise=enterprise, **form.cleaned_data
            )
        else:
            services.enterprise_override_key(
                actor=request.user, enterprise=enterprise, **form.cleaned_data
            )
        messages.success(request, _("Saved, with your reason."))
        return redirect("enterprises:detail", pk=pk)
    context = _detail_context(request, enterprise)
    context.update(form=form, what=what, tab="info")
    return render(request, "enterprises/override.html", context)
