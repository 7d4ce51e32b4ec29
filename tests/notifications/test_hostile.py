"""Hostile requests to the notification pages: huge or negative ids, odd values, forged
settings: never a 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/notifications/?before=99999999999999999999999",
        "/notifications/?before=-5",
        "/notifications/999999999999999999999/open/",
        "/notifications/?unread=%00",
        "/work/?x=1",
    ],
)
def test_hostile(client, user, url):
    client.force_login(user("town01_ajb"))
    assert client.get(url).status_code in (200, 302, 404)


def test_hostile_post(client, user):
    client.force_login(user("town01_ajb"))
    assert (
        client.post("/notifications/deliveries/", {"pk": "99999999999999999999999"}).status_code
        == 404
    )
    assert (
        client.post(
            "/notifications/preferences/",
            {"receive": ["x|y", "||", "resumption.filing_submitted|email|x"]},
        ).status_code
        == 302
    )
