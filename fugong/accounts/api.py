import datetime

from ninja import Router, Schema
from ninja.pagination import paginate

from fugong.accounts import selectors, services
from fugong.core.api_types import Id, Pagination

router = Router(tags=["accounts"])


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
