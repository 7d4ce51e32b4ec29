import datetime

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from fugong.accounts import selectors, services
from fugong.accounts.models import LoginEvent, LoginLog
from fugong.accounts.views import lockout_message, lockout_minutes_left
from fugong.core.api_types import ErrorOut, Id, Pagination
from fugong.core.middleware import client_ip

router = Router(tags=["accounts"])
auth_router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_at: datetime.datetime


@auth_router.post("/token", auth=None, response={200: TokenOut, 401: ErrorOut, 429: ErrorOut})
def issue_token(request, payload: TokenIn):
    """Exchange a user name and password for a bearer token."""
    # A NUL byte is no one's user name or password (the sign-in form refuses it too), and
    # PostgreSQL refuses it in a query: answer as for wrong credentials, without asking.
    if "\x00" in payload.username or "\x00" in payload.password:
        user = None
    else:
        user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        minutes = lockout_minutes_left(payload.username, request)
        return Status(429, {"code": "locked", "message": lockout_message(minutes)})
    if user is None:
        return Status(
            401,
            {
                "code": "invalid_credentials",
                "message": _("The user name or password is not correct."),
            },
        )
    token, raw = services.api_token_issue(user=user)
    LoginLog.objects.create(
        event=LoginEvent.TOKEN,
        username=user.get_username(),
        user=user,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
    )
    return Status(200, {"token": raw, "expires_at": token.expires_at})


class MembershipOut(Schema):
    role: str
    role_label: str
    jurisdiction_id: int | None
    office_id: int | None
    enterprise_id: int | None


class MeOut(Schema):
    username: str
    name: str
    primary_role: str | None
    memberships: list[MembershipOut]


class JurisdictionOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    depth: int


class OfficeOut(Schema):
    id: int
    name: str
    kind: str
    jurisdiction_id: int


@router.get("/me", response=MeOut)
def me(request):
    """Who the token belongs to, and their roles."""
    user = request.auth
    return {
        "username": user.username,
        "name": user.display_name,
        "primary_role": selectors.primary_role(user),
        "memberships": [
            {
                "role": m.role,
                "role_label": str(m.get_role_display()),
                "jurisdiction_id": m.jurisdiction_id,
                "office_id": m.office_id,
                "enterprise_id": m.enterprise_id,
            }
            for m in selectors.active_memberships(user)
        ],
    }


@router.get("/jurisdictions", response=list[JurisdictionOut])
@paginate(Pagination)
def jurisdictions(request, parent_id: Id | None = None):
    """Jurisdictions in the caller's scope."""
    qs = selectors.jurisdiction_list(user=request.auth)
    return qs.filter(parent_id=parent_id) if parent_id is not None else qs


@router.get("/offices", response=list[OfficeOut])
@paginate(Pagination)
def offices(request):
    return selectors.office_list(user=request.auth)


class ApiTokenOut(Schema):
    id: int
    prefix: str
    user_id: int
    username: str
    status: str
    created_at: datetime.datetime
    expires_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    revoked_reason: str
    current: bool

    @staticmethod
    def resolve_username(obj) -> str:
        return obj.user.username

    @staticmethod
    def resolve_status(obj) -> str:
        return "revoked" if obj.revoked else ("expired" if obj.is_expired else "active")

    @staticmethod
    def resolve_current(obj, context) -> bool:
        current = getattr(context["request"], "api_token", None)
        return current is not None and current.pk == obj.pk


@router.get("/tokens", response=list[ApiTokenOut])
@paginate(Pagination)
def tokens(request, user_id: Id | None = None):
    """The caller's API tokens, newest first (a platform admin sees everyone's and may filter
    by ``user_id``). Only a prefix of each is shown; the full value was given once."""
    qs = selectors.api_token_list(user=request.auth)
    return qs.filter(user_id=user_id) if user_id is not None else qs


@router.post("/tokens/{int:token_id}/revoke", response=ApiTokenOut)
def token_revoke(request, token_id: Id):
    """Revoke one of the caller's tokens (a platform admin: anyone's), at once. Revoking the
    token this request uses signs the caller out of the API."""
    token = selectors.api_token_get(user=request.auth, pk=token_id)
    return services.api_token_revoke(actor=request.auth, token=token)
