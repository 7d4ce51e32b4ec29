"""The enterprises' tiles on the home page (declared in apps.py)."""

from __future__ import annotations

from fugong.accounts import selectors as account_selectors
from fugong.accounts.choices import COMMAND_ROLES, OFFICE_ROLES, Role
from fugong.core.registry import Home, HomeTile
from fugong.enterprises.selectors import enterprise_list
from fugong.stats.selectors import enterprise_breakdown, enterprise_total


def _total(home: Home) -> dict:
    return {"total": enterprise_total(user=home.user)}


def _table(home: Home) -> dict:
    size = 20 if home.role == Role.CADRE else 10
    return {"enterprises": enterprise_list(user=home.user)[:size]}


def _areas(home: Home) -> dict:
    roots = home.memo("roots", lambda: account_selectors.jurisdiction_roots(user=home.user))
    return {
        "areas": [
            {"node": node, "breakdown": enterprise_breakdown(user=home.user, node=node)}
            for node in roots[:3]
        ]
    }


def _own(home: Home) -> dict | None:
    enterprise = next((m.enterprise for m in home.mine if m.enterprise), None)
    return {"enterprise": enterprise} if enterprise else None


TILES = [
    HomeTile(
        "enterprise_total",
        "stat",
        "enterprises/home/_total.html",
        OFFICE_ROLES | {Role.CADRE},
        _total,
        order=100,
    ),
    HomeTile("areas", "panel", "enterprises/home/_areas.html", COMMAND_ROLES, _areas, order=200),
    HomeTile(
        "enterprise_table",
        "panel",
        "enterprises/home/_table.html",
        OFFICE_ROLES | {Role.CADRE},
        _table,
        order=100,
    ),
    HomeTile("own_enterprise", "panel", "enterprises/home/_own.html", {Role.ENTERPRISE}, _own),
]
