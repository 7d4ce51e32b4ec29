"""Bad input never produces a 500 or a traceback; errors are clear pages in the user's language."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from fugong.core.views import error_500

pytestmark = pytest.mark.django_db


def test_unknown_url_gets_a_chinese_404_page(client):
    page = client.get("/no/such/page/")
    assert page.status_code == 404
    html = page.content.decode()
    assert 'lang="zh-hans"' in html and "Traceback" not in html
    assert "errors/404.html" in [t.name for t in page.templates]


def test_server_error_page_has_no_traceback():
    response = error_500(RequestFactory().get("/x"))
    assert response.status_code == 500 and b"Traceback" not in response.content


def test_api_server_error_is_json():
    response = error_500(RequestFactory().get("/api/v1/x"))
    assert response.status_code == 500 and b'"code"' in response.content


ODD_INPUTS = [
    "/enterprises/?page=abc",
    "/enterprises/?page=-1",
    "/enterprises/?page=99999",
    "/enterprises/?jurisdiction=abc",
    "/enterprises/?jurisdiction=999999999",
    "/enterprises/?q=" + "长" * 500,
    "/enterprises/?q=%00%ff",
    "/enterprises/99999999/",
    "/jurisdictions/?parent=abc",
    "/jurisdictions/?parent=99999999",
    "/jobs/?page=zz",
    "/jobs/99999999/",
    "/account/login-log/?page=-5",
    "/history/enterprises/enterprise/99999999/",
    "/history/x/y/1/",
    "/enterprises/?assigned=abc&sort=bogus&category=zzz&industry=!!&jurisdiction=abc&is_key=maybe",
    "/enterprises/?status=%00&tier=%ff&ledger=" + "x" * 300,
    "/enterprises/view/ledger-nope/",
    "/enterprises/tabs/?preset=<script>",
    "/enterprises/99999999/edit/",
    "/enterprises/99999999/assignments/",
    "/enterprises/99999999/override/category/",
    "/enterprises/1/override/nonsense/",
    "/enterprises/import/99999999/",
    "/enterprises/import/99999999/errors/",
]


@pytest.mark.parametrize("url", ODD_INPUTS)
def test_odd_input_never_gives_a_500(client, login, url):
    login("town01_cmd")
    response = client.get(url)
    assert response.status_code in (200, 302, 403, 404), url
    assert b"Traceback" not in response.content


def test_stale_form_gets_a_clear_page(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/account/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "errors/csrf.html" in [t.name for t in response.templates]
