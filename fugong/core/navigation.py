"""The menu, by role: each app declares its entries (``registry.add_menu``) with the roles that
see them (None: every signed-in user) and an order that places them."""

from __future__ import annotations

from fugong.core import registry
from fugong.core.registry import MenuItem

__all__ = ["MenuItem", "menu_active", "menu_for"]


def menu_for(roles: set[str]) -> list[MenuItem]:
    return [item for item in registry.menu() if item.roles is None or item.roles & roles]


def menu_active(items: list[MenuItem], path: str) -> MenuItem | None:
    """The entry the page at ``path`` belongs to: the one with the longest prefix the path
    starts with (the roster at /workforce/ is not lit on /workforce/today/, which has its own)."""
    matching = [item for item in items if item.prefix and path.startswith(item.prefix)]
    return max(matching, key=lambda item: len(item.prefix), default=None)
