"""The menu, by role: each app declares its entries (``registry.add_menu``) with the roles that
see them (None: every signed-in user) and an order that places them."""

from __future__ import annotations

from fugong.core import registry
from fugong.core.registry import MenuItem

__all__ = ["MenuItem", "menu_for"]


def menu_for(roles: set[str]) -> list[MenuItem]:
    return [item for item in registry.menu() if item.roles is None or item.roles & roles]
