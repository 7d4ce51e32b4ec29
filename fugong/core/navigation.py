"""The menu, by role. Each entry names the roles that see it (None: every signed-in user)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fugong.accounts.choices import Role

ENTERPRISE_VIEWERS = {
    Role.PLATFORM_ADMIN,
    Role.COMMAND,
    Role.REVIEWER,
    Role.CADRE,
    Role.PARK_OPERATOR,
    Role.ENTERPRISE,
}


@dataclass(frozen=True)
class MenuItem:
    label: str | Promise
    url_name: str
    icon: str
    roles: frozenset[str] | None = None
    prefix: str = ""

    def url(self) -> str:
        return reverse(self.url_name)


MENU = [
    MenuItem(_("Home"), "home", "house"),
    MenuItem(
        _("Enterprises"),
        "enterprises:list",
        "buildings",
        frozenset(ENTERPRISE_VIEWERS),
        "/enterprises/",
    ),
    MenuItem(
        _("Resumption filings"),
        "resumption:list",
        "clipboard-check",
        frozenset(ENTERPRISE_VIEWERS),
        "/resumption/",
    ),
    MenuItem(
        _("Review queue"),
        "resumption:queue",
        "inboxes",
        frozenset({Role.REVIEWER, Role.PARK_OPERATOR}),
        "/resumption/queue/",
    ),
    MenuItem(
        _("Resumption pipeline"),
        "resumption:pipeline",
        "bar-chart-steps",
        frozenset({Role.PLATFORM_ADMIN, Role.COMMAND}),
        "/resumption/pipeline/",
    ),
    MenuItem(
        _("Resumption settings"),
        "resumption:settings",
        "sliders",
        frozenset({Role.COMMAND}),
        "/resumption/settings/",
    ),
    MenuItem(
        _("Dashboard"),
        "stats:dashboard",
        "graph-up",
        frozenset({Role.PLATFORM_ADMIN, Role.COMMAND}),
        "/stats/",
    ),
    MenuItem(
        _("Daily reporting"),
        "stats:reporting",
        "send-check",
        frozenset({Role.PLATFORM_ADMIN, Role.COMMAND}),
        "/stats/reporting/",
    ),
    MenuItem(
        _("Reports"),
        "stats:reports",
        "file-earmark-text",
        frozenset({Role.PLATFORM_ADMIN, Role.COMMAND}),
        "/stats/reports/",
    ),
    MenuItem(
        _("Jurisdictions"),
        "accounts:jurisdictions",
        "diagram-3",
        frozenset({Role.PLATFORM_ADMIN, Role.COMMAND}),
        "/jurisdictions/",
    ),
    MenuItem(_("Background jobs"), "core:jobs", "hourglass-split", None, "/jobs/"),
    MenuItem(_("Login log"), "accounts:login_log", "journal-text", None, "/account/login-log/"),
    MenuItem(
        _("System settings"), "admin:index", "gear", frozenset({Role.PLATFORM_ADMIN}), "/admin/"
    ),
]


def menu_for(roles: set[str]) -> list[MenuItem]:
    return [item for item in MENU if item.roles is None or item.roles & roles]
