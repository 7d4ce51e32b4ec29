"""What each role sees first after logging in: a frame per kind of role, filled with the tiles
the apps declare (``registry.add_home_tile``)."""

from __future__ import annotations

from fugong.accounts import selectors
from fugong.accounts.choices import COMMAND_ROLES, OFFICE_ROLES, Role
from fugong.core import registry
from fugong.core.selectors import job_list

FRAMES = {
    **dict.fromkeys(COMMAND_ROLES, "accounts/home_command.html"),
    **dict.fromkeys(OFFICE_ROLES, "accounts/home_office.html"),
    Role.CADRE: "accounts/home_cadre.html",
    Role.ENTERPRISE: "accounts/home_enterprise.html",
    Role.EMPLOYEE: "accounts/home_employee.html",
}


def home_context(user, role: str | None) -> tuple[str, dict]:
    memberships = selectors.active_memberships(user)
    context: dict = {"role": role, "memberships": memberships}
    if role not in FRAMES:
        return "accounts/home_none.html", context
    home = registry.Home(user=user, role=role, memberships=memberships)
    stat_tiles, panels = [], []
    for tile in registry.home_tiles(role):
        data = tile.context(home)
        if data is not None:
            shown = {"template": tile.template, "data": data}
            (stat_tiles if tile.kind == "stat" else panels).append(shown)
    context.update(
        recent_jobs=job_list(user=user)[:5],
        stat_tiles=stat_tiles,
        panels=panels,
        enterprise=next((m.enterprise for m in home.mine if m.enterprise), None),
    )
    return FRAMES[role], context
