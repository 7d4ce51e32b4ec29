"""The pages of tips (举报): the public page anyone opens without login (send a tip; look
one up by its tracking code), and the officers' pages (the list, the screener's queue, the
department's inbox, the overdue list; a tip with the forms of the steps the reader may take
now)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fugong.cases import tips
from fugong.cases.choices import TipStatus, Urgency
from fugong.cases.forms import StepForm, TipForm, TipLookupForm
from fugong.cases.models import Category, Tip
from fugong.core.errors import UserError
from fugong.core.files import file_response
from fugong.core.ids import parse_id
from fugong.core.masking import mask_phone
from fugong.core.middleware import client_ip
from fugong.core.scope import scoped
from fugong.enterprises.models import Enterprise

PAGE = 50
# The session key that carries the new tip's receipt from the form to the page after it
# (never the address bar: the code is the reporter's key to the tip).
RECEIPT = "fugong_tip_receipt"


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"  # "no-referrer" makes the form's Origin null
    return response


# ---------------------------------------------------------------------------- public


@never_cache
def public_new(request: HttpRequest) -> HttpResponse:
    """Send a tip: no login; a CAPTCHA drawn on this server; at most so many submissions an
    hour from one address. Whatever was typed is kept when something is refused (a new
    CAPTCHA is drawn each time)."""
    form = TipForm(request.POST or None, request.FILES or None, places=tips.towns())
    status = 200
    error = ""
    if request.method == "POST":
        if "new_picture" in request.POST:  # "cannot read it": what was typed, a new picture
            return _private(
                render(request, "cases/tips/public_new.html", {"form": _unbound_copy(request)})
            )
        limit, window = tips.submit_limit()
        if tips.over_limit(f"tip:{client_ip(request)}", limit=limit, window=window):
            status = 429
            error = _(
                "Too many tips were sent from your network in the last hour. Keep what you "
                "wrote and send it again later."
            )
            form = _unbound_copy(request)  # not checked: its CAPTCHA stays unused
        elif form.is_valid():
            data = form.cleaned_data
            try:
                tip, code = tips.tip_submit(
                    place=data["place"],
                    enterprise_name=data["enterprise_name"],
                    text=data["text"],
                    by_staff=data["by_staff"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    photo=data["photo"],
                )
            except UserError as exc:
                status = 400
                error = exc.message
            else:
                request.session[RECEIPT] = {"number": tip.number, "code": tips.show_code(code)}
                return redirect("tips:done")
        else:
            status = 400
    context = {"form": form, "error": error}
    return _private(render(request, "cases/tips/public_new.html", context, status=status))


def _unbound_copy(request: HttpRequest) -> TipForm:
    """The form with what was typed (as initial values, no errors shown) and a new CAPTCHA."""
    keep = ("place", "enterprise_name", "text", "by_staff", "contact_name", "contact_phone")
    initial = {name: request.POST.get(name, "") for name in keep}
    initial["by_staff"] = request.POST.get("by_staff") in ("on", "true", "1")
    return TipForm(initial=initial, places=tips.towns())


@never_cache
def public_done(request: HttpRequest) -> HttpResponse:
    """The receipt: the tip's number and its tracking code, shown once."""
    receipt = request.session.pop(RECEIPT, None)
    if receipt is None:
        return redirect("tips:new")
    return _private(render(request, "cases/tips/public_done.html", receipt))


@never_cache
def public_lookup(request: HttpRequest) -> HttpResponse:
    """The status and the reply of a tip, by its tracking code (sent by POST: the code stays
    out of addresses and logs). Nothing personal is shown: no contact, no photo, no
    enterprise matched, no officer's name."""
    form = TipLookupForm(request.POST or None)
    context: dict = {"form": form}
    status = 200
    if request.method == "POST":
        limit, window = tips.lookup_limit()
        if tips.over_limit(f"tip-lookup:{client_ip(request)}", limit=limit, window=window):
            status = 429
            context["error"] = _("Too many lookups from your network: try again in ten minutes.")
        elif form.is_valid():
            tip = tips.tip_by_code(form.cleaned_data["code"])
            if tip is None:
                status = 404
                context["error"] = _(
                    "No tip has this tracking code. Check the characters (they are on your "
                    "receipt) and try again."
                )
            else:
                context["tip"] = {
                    "number": tip.number,
                    "place": tip.jurisdiction.name,
                    "received": tip.created_at,
                    "status": tip.status,
                    "status_label": tip.get_status_display(),
                    "department": tip.lead_office.name if tip.lead_office_id else "",
                    "due": tip.due if tip.status == TipStatus.DISPATCHED else None,
                    "reply": tip.reply
                    if tip.status in (TipStatus.REPLIED, TipStatus.CLOSED)
                    else "",
                    "replied_at": tip.replied_at,
                    "dismissal": tip.dismissal if tip.status == TipStatus.DISMISSED else "",
                }
        else:
            status = 400
    return _private(render(request, "cases/tips/public_lookup.html", context, status=status))


# ---------------------------------------------------------------------------- officers


def _titles() -> dict[str, str]:
    return {
        "all": _("Tips"),
        "queue": _("Tips to screen"),
        "inbox": _("Tips to handle"),
        "overdue": _("Overdue tips"),
    }


LISTS = {
    "all": tips.tip_list,
    "queue": tips.to_screen,
    "inbox": tips.inbox,
    "overdue": tips.overdue_list,
}


@login_required
def tip_list(request: HttpRequest) -> HttpResponse:
    """The tips in the reader's scope; ``?view=queue|inbox|overdue``."""
    which = request.GET.get("view", "all")
    if which not in LISTS:
        which = "all"
    screener, offices = tips.is_screener(request.user), tips.office_ids(request.user)
    if not (screener or offices or tips.tip_list(request.user).exists()):
        raise PermissionDenied(_("For command offices and the departments tips go to."))
    qs = LISTS[which](request.user)
    status = request.GET.get("status", "")
    if which == "all" and status in TipStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/tips/list.html",
        {
            "which": which,
            "title": _titles()[which],
            "page": page,
            "statuses": TipStatus.choices,
            "status": status,
            "screener": screener,
            "department": bool(offices),
            "overdue_ids": {t.pk for t in page if tips.overdue(t)},
        },
    )


def _tip(request: HttpRequest, pk: int) -> Tip:
    tip = tips.tip_list(request.user).filter(pk=pk).first()
    if tip is None:
        raise Http404
    return tip


def _detail(
    request: HttpRequest,
    tip: Tip,
    *,
    error: str = "",
    status: int = 200,
    form=None,
    revealed: dict | None = None,
):
    actions = {t.action: t for t in tips.available_actions(request.user, tip)}
    dispatching = "dispatch" in actions
    categories = list(Category.objects.filter(is_active=True)) if dispatching else []
    context = {
        "tip": tip,
        "actions": actions,
        "bare": [t for a, t in actions.items() if a not in tips.FORM_ACTIONS],
        "events": tip.events.all(),
        "overdue": tips.overdue(tip),
        # Masked on screen; the officers who handle it call the reporter from the full
        # number behind "show" (an audited read is not kept: the page is the officer's).
        "contact_name": tips.mask_name(tip.contact_name),
        "contact_phone": mask_phone(tip.contact_phone),
        "may_reveal": bool(tip.contact_name or tip.contact_phone)
        and bool(tips.tip_roles(request.user, tip) & {tips.SCREENER, tips.HANDLER}),
        "revealed": revealed,
        # Each category with the department the routing table names for it here.
        "routes": [(c, (tips.suggested(tip, c) or [None])[0]) for c in categories],
        "departments": tips.departments_for(tip) if dispatching else [],
        "urgencies": Urgency.choices,
        "enterprises": _matches(request, tip) if dispatching else [],
        "step_form": form or StepForm(initial={"revision": tip.revision}),
        "error": error,
    }
    return render(request, "cases/tips/detail.html", context, status=status)


def _matches(request: HttpRequest, tip: Tip) -> list[Enterprise]:
    """Enterprises of the tip's town, in the screener's scope, whose name holds the name
    reported (or its first two characters): the screener's choices to match."""
    words = tip.enterprise_name.strip()[:50]
    qs = scoped(Enterprise.objects.order_by("name"), request.user).filter(
        jurisdiction__path__startswith=tip.jurisdiction.path
    )
    found = list(qs.filter(name__contains=words)[:20]) if words else []
    if not found and len(words) >= 2:
        found = list(qs.filter(name__contains=words[:2])[:20])
    return found


@login_required
def tip_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _tip(request, pk))


@login_required
@require_POST
def tip_step(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _tip(request, pk)
    action = request.POST.get("action", "")
    form = StepForm(request.POST)
    if not form.is_valid():
        return _detail(request, tip, error=_("Check the form."), status=400, form=form)
    data = form.cleaned_data
    common = {"actor": request.user, "tip": tip, "revision": data.get("revision")}
    try:
        if action == "dispatch":
            category = Category.objects.filter(
                pk=parse_id(request.POST.get("category")), is_active=True
            ).first()
            if category is None:
                raise UserError(_("Choose the category."), code="category")
            lead_id = parse_id(request.POST.get("lead"))
            lead = tips.departments_for(tip).filter(pk=lead_id).first() if lead_id else None
            enterprise_id = parse_id(request.POST.get("enterprise"))
            enterprise = (
                scoped(Enterprise.objects.all(), request.user).filter(pk=enterprise_id).first()
                if enterprise_id
                else None
            )
            tips.tip_dispatch(
                category=category,
                lead=lead,
                urgency=request.POST.get("urgency") or Urgency.NORMAL,
                enterprise=enterprise,
                **common,
            )
        elif action == "dismiss":
            tips.tip_dismiss(reason=data.get("reason", ""), **common)
        elif action == "reply":
            tips.tip_reply(reply=data.get("reply", ""), **common)
        elif action == "send_back":
            tips.tip_send_back(reason=data.get("reason", ""), **common)
        elif action == "close":
            tips.tip_close(**common)
        else:
            raise Http404
    except UserError as exc:
        return _detail(request, _tip(request, pk), error=exc.message, status=exc.status, form=form)
    messages.success(request, _("Done."))
    return redirect("cases:tip", pk=tip.pk)


@login_required
def tip_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """The photo, downloaded (never shown inline: it came from anyone)."""
    tip = _tip(request, pk)
    if not tip.photo:
        raise Http404
    return file_response(
        tip.photo, kind=tip.photo_type, filename=f"{tip.number}.{tip.photo_type}", inline=False
    )


@login_required
@require_POST
def tip_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter's full contact, for the screener and the handling department to call
    back; each reading is written to the tip's timeline."""
    tip = _tip(request, pk)
    try:
        contact = tips.contact_read(actor=request.user, tip=tip)
    except UserError as exc:
        return _detail(request, tip, error=exc.message, status=exc.status)
    return _detail(request, tip, revealed=contact)
