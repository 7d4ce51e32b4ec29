"""The UI shell: our own static files only, phone-ready, role navigation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("fugong/*/templates/**/*.html")]


def test_no_template_loads_anything_from_another_site():
    pattern = re.compile(r"""(src|href)=["'](https?:)?//""")
    offenders = [str(p) for p in TEMPLATES if pattern.search(p.read_text())]
    assert TEMPLATES and not offenders


@pytest.mark.django_db
def test_pages_use_bootstrap_htmx_and_a_mobile_viewport(client, login):
    login("county_cmd")
    html = client.get("/").content.decode()
    assert 'name="viewport"' in html
    for asset in (
        "vendor/bootstrap/bootstrap.min.css",
        "django_htmx/htmx-2.min.js",
        "vendor/echarts/echarts.min.js",
    ):
        assert asset in html
    assert "navbar-toggler" in html


def test_vendor_files_come_from_the_npm_lockfile():
    import json

    lock = json.loads((ROOT / "package-lock.json").read_text())
    packages = lock["packages"]
    for name in ("bootstrap", "bootstrap-icons", "echarts"):
        assert f"node_modules/{name}" in packages


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/tips/", "/open/policies/", "/open/inspections/", "/account/login/"]
)
def test_a_public_page_has_the_language_switch_with_each_language_in_its_own_name(client, url):
    html = client.get(url).content.decode()
    assert html.count('data-testid="language"') == 1
    assert ">English</option>" in html and ">简体中文</option>" in html
    assert "英语" not in html
