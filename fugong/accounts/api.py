from __future__ import annotations

from ninja import Router, Schema
from ninja.pagination import paginate

from fugong.accounts import selectors
from fugong.core.api_types import Pagination

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
def jurisdictions(request, parent_id: int | None = None):
    """Jurisdictions in the caller's scope."""
    qs = selectors.jurisdiction_list(user=request.auth)
    return qs.filter(parent_id=parent_id) if parent_id is not None else qs


@router.get("/offices", response=list[OfficeOut])
@paginate(Pagination)
def offices(request):
    return selectors.office_list(user=request.auth)
