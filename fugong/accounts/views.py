from __future__ import annotations

import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from fugong.accounts import selectors
from fugong.accounts.forms import LoginForm
from fugong.accounts.homes import home_context
from fugong.accounts.models import TokenRevocation
from fugong.accounts.services import api_token_revoke, api_tokens_revoke_all, user_set_password
from fugong.core.ids import parse_id
from fugong.core.middleware import client_ip
from fugong.core.scope import get_scope, scoped


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password under the password rules; the change is audited."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        user_set_password(
            actor=self.request.user, user=form.user, password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(self.request, form.user)
        messages.success(
            self.request, _("Your password has been changed. Your API tokens no longer work.")
        )
        return redirect(self.get_success_url())


def lockout_minutes_left(username: str, request: HttpRequest) -> int:
    """Whole minutes until the lock on this user name (and address) lifts."""
    from axes.models import AccessAttempt

    attempt = (
        AccessAttempt.objects.filter(username=username, ip_address=client_ip(request))
        .order_by("-attempt_time")
        .first()
        if username
        else None
    )
    cool_off = settings.AXES_COOLOFF_TIME
    if attempt is None:
        return math.ceil(cool_off.total_seconds() / 60)
    left = attempt.attempt_time + cool_off - timezone.now()
    return max(1, math.ceil(left.total_seconds() / 60))


def lockout_message(minutes: int) -> str:
    return ngettext(
        "Too many wrong tries: this account is locked. Try again in %(minutes)d minute.",
        "Too many wrong tries: this account is locked. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """django-axes calls this when a locked account tries again: say how long to wait."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    minutes = lockout_minutes_left(username, request)
    message = lockout_message(minutes)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "locked", "message": message, "retry_after_minutes": minutes},
            status=429,
            headers={"Retry-After": str(minutes * 60)},
        )
    form = LoginForm(request, initial={"username": username})
    return render(
        request,
        "accounts/login.html",
        {"form": form, "lockout_message": message, "lockout_minutes": minutes},
        status=429,
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own home page."""
    role = selectors.primary_role(request.user)
    template, context = home_context(request.user, role)
    return render(request, template, context)


@login_required
def jurisdictions(request: HttpRequest) -> HttpResponse:
    roots = selectors.jurisdiction_roots(user=request.user)
    parent_id = request.GET.get("parent")
    parent = None
    if parent_id := parse_id(parent_id):
        parent = selectors.jurisdiction_list(user=request.user).filter(pk=parent_id).first()
    nodes = selectors.jurisdiction_list(user=request.user, parent=parent) if parent else roots
    context = {
        "parent": parent,
        "nodes": nodes,
        "ancestors": scoped(parent.ancestors(), request.user) if parent else [],
    }
    if request.htmx:
        return render(request, "accounts/jurisdictions.html#tree", context)
    return render(request, "accounts/jurisdictions.html", context)


@login_required
def login_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.login_log_list(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "accounts/login_log.html", {"page": page, "title": _("Login log")})


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens (a platform admin: everyone's), with their last use; each can be
    revoked here."""
    qs = selectors.api_token_list(user=request.user)
    everyone = get_scope(request.user).everything
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    own_active = qs.filter(user=request.user, revoked=False, expires_at__gt=timezone.now())
    context = {
        "page": page,
        "title": _("API tokens"),
        "everyone": everyone,
        "own_active": own_active.exists(),
        "token_days": settings.FUGONG_API_TOKEN_DAYS,
    }
    return render(request, "accounts/api_tokens.html", context)


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.api_token_get(user=request.user, pk=pk)
    if token.revoked:
        messages.info(request, _("This token had already been revoked."))
    else:
        api_token_revoke(actor=request.user, token=token)
        messages.success(
            request,
            _("Token %(prefix)s… is revoked: it no longer works.") % {"prefix": token.prefix},
        )
    return redirect("accounts:api_tokens")


@login_required
@require_POST
def api_tokens_revoke_mine(request: HttpRequest) -> HttpResponse:
    n = api_tokens_revoke_all(actor=request.user, user=request.user, why=TokenRevocation.OWNER)
    messages.success(
        request,
        ngettext(
            "%(n)d token revoked: it no longer works.",
            "%(n)d tokens revoked: they no longer work.",
            n,
        )
        % {"n": n},
    )
    return redirect("accounts:api_tokens")
