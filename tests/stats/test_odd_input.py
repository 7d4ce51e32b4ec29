"""Hand-edited addresses and forms on every statistics page: never a 500, for any role."""

import pytest

pytestmark = pytest.mark.django_db
URLS = [
    "/stats/reporting/submit/",
    "/stats/reporting/reopen/",
    "/stats/reporting/remind/",
    "/stats/reports/templates/upload/",
    "/stats/reports/templates/in-use/",
    "/stats/reports/templates/shipped/zzz/",
    "/stats/",
    "/stats/reporting/",
    "/stats/reports/",
    "/stats/reports/templates/",
    "/stats/settings/",
]
BAD = [
    {"node": "1", "day": "2026-01-01", "revision": "x", "reason": "a" * 600, "zero": "maybe"},
    {"children": "abc", "node": "2"},
    {"node": "abc"},
    {"node": "99999999999999999999999"},
    {"node": "-1"},
    {"day": "2026-13-45"},
    {"day": "\x00"},
    {"jurisdiction": "abc"},
    {"node": "1", "day": "1900-01-01"},
    {"kind": "zzz"},
]


@pytest.mark.parametrize("url", URLS)
def test_no_500(client, login, url):
    for who in ("county_cmd", "town01_cmd", "town01_ent1", "admin"):
        login(who)
        for q in BAD:
            r = client.get(url, q)
            assert r.status_code < 500, (who, url, q, r.status_code)
            r = client.post(url, q)
            assert r.status_code < 500, (who, url, q, r.status_code)
