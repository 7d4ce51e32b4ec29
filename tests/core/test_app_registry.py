"""Apps declare what they add (pages, API routers, menu entries, home tiles, demo steps) in
``fugong.core.registry``; core and config read it, so a new app touches no other app's file."""

from __future__ import annotations

from pathlib import Path

import pytest

from fugong.core import registry
from fugong.core.registry import DemoStep, MenuItem

ROOT = Path(__file__).resolve().parents[2]


def test_every_app_with_pages_declares_them_and_config_names_no_app():
    declared = {e.target if isinstance(e.target, str) else None for e in registry.urls()} | {
        e.router if isinstance(e.router, str) else None for e in registry.api_routers()
    }
    for urls in sorted((ROOT / "fugong").glob("*/urls.py")):
        app = urls.parent.name
        if app == "core":
            continue
        assert f"fugong.{app}.urls" in declared, f"{app} has pages it does not declare"
    # The composition layer reads the registry instead of listing the apps.
    conf = (ROOT / "config" / "urls.py").read_text(encoding="utf-8")
    for app in ("enterprises", "resumption", "stats", "reporting", "reports", "accounts"):
        assert f"fugong.{app}" not in conf


def test_demo_steps_run_after_the_steps_they_name(monkeypatch):
    steps = registry.demo_steps()
    order = [s.name for s in steps]
    for step in steps:
        for before in step.after:
            assert order.index(before) < order.index(step.name), (before, step.name)
    monkeypatch.setattr(
        registry,
        "_demo_steps",
        {"a": DemoStep("a", print, ("b",)), "b": DemoStep("b", print, ("a",))},
    )
    with pytest.raises(RuntimeError, match="never declared or in a cycle"):
        registry.demo_steps()


@pytest.mark.django_db
def test_a_new_apps_menu_entry_shows_for_its_roles_only(client, login, monkeypatch):
    monkeypatch.setattr(
        registry,
        "_menu",
        [
            *registry._menu,
            MenuItem("新应用入口", "core:jobs", "star", frozenset({"cadre"}), "/jobs/", 999),
        ],
    )
    login("town01_cadre")
    assert "新应用入口" in client.get("/jobs/").content.decode()
    login("county_cmd")
    assert "新应用入口" not in client.get("/jobs/").content.decode()
