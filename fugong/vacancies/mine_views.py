"""The enterprise's own pages (and the human resources bureau's, for an enterprise in its
place): a new vacancy, its edit, publishing and closing, the number filled, and the
enterprise's job board setting. Views read input and call one service; a refusal or a
broken rule is shown beside the form with everything typed kept, never a 500."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.core.errors import NotAllowed, UserError
from fugong.core.ids import parse_id
from fugong.core.redirects import step_then_back
from fugong.enterprises.models import Enterprise
from fugong.vacancies import selectors, services
from fugong.vacancies.choices import VacancyStatus
from fugong.vacancies.forms import VacancyForm
from fugong.vacancies.views import vacancy_in_scope


def _enterprise(request: HttpRequest) -> Enterprise:
    """The enterprise a new vacancy or the setting is for: ``?enterprise=<pk>`` among those
    the user may write (the bureau), otherwise the user's own."""
    writable = selectors.writable_enterprises(request.user)
    pk = parse_id(request.GET.get("enterprise") or request.POST.get("enterprise"))
    if pk is None:
        own = selectors.own_enterprise_ids(request.user)
        if not own:
            raise NotAllowed(
                _("Vacancies are posted by the enterprise's own users, or by the human resources bureau for an enterprise of its place (open it from the enterprise).")
            )  # fmt: skip
        pk = own[0]
    enterprise = writable.select_related("jurisdiction").filter(pk=pk).first()
    if enterprise is None:
        raise Http404
    return enterprise


def _form_page(request, *, enterprise, vacancy=None) -> HttpResponse:
    initial = {}
    if vacancy is not None:
        initial = {name: getattr(vacancy, name) for name in services.EDITABLE}
        initial["place"] = vacancy.place_id
        initial["revision"] = vacancy.revision
    form = VacancyForm(request.POST or None, initial=initial, enterprise=enterprise)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            publish = request.POST.get("action") == "publish"
            try:
                if vacancy is None:
                    saved = services.vacancy_save(
                        actor=request.user, enterprise=enterprise, publish=publish,
                        **form.values(),
                    )  # fmt: skip
                else:
                    saved = services.vacancy_save(
                        actor=request.user, vacancy=vacancy, publish=publish,
                        revision=form.cleaned_data.get("revision"), **form.values(),
                    )  # fmt: skip
            except UserError as exc:
                error, status = exc.message, exc.status
            else:
                messages.success(
                    request, _("Vacancy published.") if publish else _("Vacancy saved.")
                )
                return redirect("vacancies:detail", saved.pk)
        else:
            error, status = _("Correct the fields marked below."), 400
    return render(
        request,
        "vacancies/form.html",
        {"form": form, "enterprise": enterprise, "v": vacancy, "error": error},
        status=status,
    )


def _chooser(request: HttpRequest) -> HttpResponse:
    """Which enterprise a new vacancy is for, for a user who may post for several: a search
    by name or credit code among those the user may write."""
    text = (request.GET.get("q") or "").strip()[:60]
    found = selectors.enterprises_to_post_for(request.user, text)
    return render(
        request,
        "vacancies/choose.html",
        {
            "q": text,
            "found": found[: selectors.CHOOSER_ROWS],
            "more": len(found) > selectors.CHOOSER_ROWS,
        },
    )


@login_required
def vacancy_new(request: HttpRequest) -> HttpResponse:
    if not (
        request.GET.get("enterprise") or request.POST.get("enterprise")
    ) and selectors.posts_for_several(request.user):
        return _chooser(request)
    return _form_page(request, enterprise=_enterprise(request))


@login_required
def vacancy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    vacancy = vacancy_in_scope(request, pk)
    if not selectors.may_write(request.user, vacancy.enterprise_id):
        raise NotAllowed(_("Only the enterprise's own users and the human resources bureau over it may change its vacancies."))  # fmt: skip
    return _form_page(request, enterprise=vacancy.enterprise, vacancy=vacancy)


@login_required
@require_POST
def vacancy_status(request: HttpRequest, pk: int) -> HttpResponse:
    vacancy = vacancy_in_scope(request, pk)
    status = request.POST.get("status", "")
    if status not in VacancyStatus.values:
        messages.error(
            request, _("This form asks for a step that does not exist; reload the page.")
        )
        return redirect("vacancies:detail", pk)
    return step_then_back(
        request,
        lambda: services.vacancy_set_status(
            actor=request.user,
            vacancy=vacancy,
            status=status,
            revision=request.POST.get("revision"),
        ),  # fmt: skip
        _("Status changed."),
        redirect("vacancies:detail", pk),
    )


@login_required
@require_POST
def vacancy_fill(request: HttpRequest, pk: int) -> HttpResponse:
    vacancy = vacancy_in_scope(request, pk)
    raw = (request.POST.get("filled") or "").strip()[:10]
    if not raw:
        messages.error(request, _("Filled so far: type a number (0 if nobody has been found yet)."))
        return redirect("vacancies:detail", pk)
    return step_then_back(
        request,
        lambda: services.vacancy_fill(
            actor=request.user,
            vacancy=vacancy,
            filled=raw,
            revision=request.POST.get("revision"),
        ),  # fmt: skip
        _("Filled so far: saved."),
        redirect("vacancies:detail", pk),
    )


@login_required
def board_setting(request: HttpRequest) -> HttpResponse:
    enterprise = _enterprise(request)
    if request.method == "POST":
        public = request.POST.get("public") == "on"
        try:
            services.board_setting_set(actor=request.user, enterprise=enterprise, public=public)
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Your vacancies are shown on the public job board.")
                if public
                else _("Your vacancies are no longer shown on the public job board."),
            )
        return redirect(f"{request.path}?enterprise={enterprise.pk}")
    return render(
        request,
        "vacancies/setting.html",
        {"enterprise": enterprise, "public": services.board_public(enterprise.pk)},
    )
