"""API tokens: listed and revoked by their owner (page and API), by an admin, and revoked by a
password change or deactivation whatever the path; their last use is recorded, cheaply."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from django.core.management import call_command
from django.utils import timezone

from fugong.accounts.models import ApiToken, TokenRevocation, User
from fugong.accounts.services import (
    api_token_issue,
    user_set_password,
    user_update,
)
from fugong.core.audit import history_for
from fugong.core.testing import bearer, issue_token
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Harbour-lamp-2026"


issue = partial(issue_token, password=DEMO_PASSWORD)


def api(client, method: str, url: str, token: str):
    return getattr(client, method)(url, headers=bearer(token))


def works(client, token: str) -> bool:
    status = api(client, "get", "/api/v1/me", token).status_code
    assert status in (200, 401)
    return status == 200


def test_owner_lists_and_revokes_a_token_through_the_api(client):
    first = issue(client, "town01_cmd")
    second = issue(client, "town01_cmd")
    issue(client, "town02_cmd")  # someone else's: not listed
    body = api(client, "get", "/api/v1/tokens", second).json()
    assert body["count"] == 2
    assert {t["username"] for t in body["items"]} == {"town01_cmd"}
    current = [t for t in body["items"] if t["current"]]
    assert len(current) == 1 and second.startswith(current[0]["prefix"])
    other = next(t for t in body["items"] if not t["current"])
    assert first.startswith(other["prefix"]) and other["status"] == "active"

    revoked = api(client, "post", f"/api/v1/tokens/{other['id']}/revoke", second)
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revoked_reason"] == TokenRevocation.OWNER
    assert not works(client, first) and works(client, second)
    token = ApiToken.objects.get(pk=other["id"])
    assert history_for(token).first().reason == "API token revoked: owner"


def test_another_users_token_is_404_and_stays_valid(client):
    mine = issue(client, "town01_cmd")
    theirs = issue(client, "town02_cmd")
    their_id = ApiToken.objects.get(user__username="town02_cmd").pk
    response = api(client, "post", f"/api/v1/tokens/{their_id}/revoke", mine)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert works(client, theirs)


def test_admin_lists_and_revokes_anyones_token(client):
    theirs = issue(client, "town02_cmd")
    admin = issue(client, "admin")
    their_id = ApiToken.objects.get(user__username="town02_cmd").pk
    listed = api(client, "get", "/api/v1/tokens?limit=100", admin).json()
    assert {"town02_cmd", "admin"} <= {t["username"] for t in listed["items"]}
    response = api(client, "post", f"/api/v1/tokens/{their_id}/revoke", admin)
    assert response.status_code == 200
    assert response.json()["revoked_reason"] == TokenRevocation.ADMIN
    assert not works(client, theirs)


def test_the_tokens_page_lists_own_tokens_and_revokes_one(client, login):
    token = issue(client, "town01_jmb")
    issue(client, "town02_cmd")
    me = login("town01_jmb")
    page = client.get("/account/tokens/")
    assert page.status_code == 200
    assert [t.user_id for t in page.context["page"]] == [me.pk]
    html = page.content.decode()
    assert token[:8] in html and 'data-testid="revoke"' in html
    pk = page.context["page"][0].pk
    assert client.get(f"/account/tokens/{pk}/revoke/").status_code == 405  # POST only
    response = client.post(f"/account/tokens/{pk}/revoke/")
    assert response.status_code == 302
    assert not works(client, token)
    page = client.get("/account/tokens/")
    assert 'data-testid="revoke"' not in page.content.decode()


def test_the_tokens_page_cannot_revoke_someone_elses_token(client, login):
    theirs = issue(client, "town02_cmd")
    pk = ApiToken.objects.get(user__username="town02_cmd").pk
    login("town01_cmd")
    assert client.post(f"/account/tokens/{pk}/revoke/").status_code == 404
    assert works(client, theirs)


def test_revoke_all_my_tokens(client, login):
    tokens = [issue(client, "town01_cadre") for _ in range(3)]
    other = issue(client, "town01_cmd")
    login("town01_cadre")
    assert client.post("/account/tokens/revoke-mine/").status_code == 302
    assert not any(works(client, t) for t in tokens)
    assert works(client, other)


def test_the_account_menu_links_to_the_tokens_page(client, login):
    login("town01_ent1")
    assert 'href="/account/tokens/"' in client.get("/").content.decode()


def test_a_password_change_on_the_page_revokes_the_tokens(client, login):
    token = issue(client, "town01_sab")
    login("town01_sab")
    response = client.post(
        "/account/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert not works(client, token)
    revoked = ApiToken.objects.get(user__username="town01_sab")
    assert revoked.revoked_reason == TokenRevocation.PASSWORD and revoked.revoked_at


def test_a_password_change_through_the_service_revokes_the_tokens(client, user):
    token = issue(client, "town01_cmd")
    u = user("town01_cmd")
    user_set_password(actor=u, user=u, password=NEW_PASSWORD)
    assert not works(client, token)


def test_set_password_and_save_anywhere_revokes_the_tokens(client, user):
    """Any other path: the changepassword command, a password reset, code calling save()."""
    token = issue(client, "town01_cmd")
    u = user("town01_cmd")
    u.set_password(NEW_PASSWORD)
    u.save()
    assert not works(client, token)
    assert ApiToken.objects.get(user=u).revoked_reason == TokenRevocation.PASSWORD


def test_admin_password_change_and_deactivation_revoke_the_tokens(client, login, user):
    token = issue(client, "town01_cmd")
    login("admin")
    target = user("town01_cmd")
    response = client.post(
        f"/admin/accounts/user/{target.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert not works(client, token)
    row = history_for(ApiToken.objects.get(user=target)).first()
    assert row.actor.username == "admin"

    other = issue(client, "town02_cmd")
    user_update(actor=user("admin"), user=user("town02_cmd"), is_active=False)
    assert not works(client, other)
    revoked = ApiToken.objects.get(user__username="town02_cmd")
    assert revoked.revoked_reason == TokenRevocation.DEACTIVATED


def test_deactivation_by_queryset_update_still_stops_the_token(client, user):
    token = issue(client, "town01_cmd")
    User.objects.filter(username="town01_cmd").update(is_active=False)
    assert not works(client, token)


def test_a_rehashed_password_at_login_keeps_the_tokens(client, user, settings):
    """Django re-hashes a password at login when the preferred hasher changes; that is the
    same password, so the tokens stay."""
    token = issue(client, "town01_cmd")
    old_hash = user("town01_cmd").password
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    u = user("town01_cmd")
    assert u.check_password(DEMO_PASSWORD)
    u.refresh_from_db()
    assert u.password != old_hash  # upgraded
    assert works(client, token)


def test_changepassword_command_revokes_the_tokens(client, user, monkeypatch):
    token = issue(client, "town01_cmd")
    answers = iter([NEW_PASSWORD, NEW_PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: next(answers))
    call_command("changepassword", "town01_cmd", stdout=None)
    assert not works(client, token)


def test_last_use_is_recorded_at_most_once_a_minute(client, user, django_assert_num_queries):
    token, raw = api_token_issue(user=user("town01_cmd"))
    assert token.last_used_at is None
    assert works(client, raw)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    assert works(client, raw)
    token.refresh_from_db()
    assert token.last_used_at == first  # not written again within the minute
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    assert works(client, raw)
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=2)
    listed = api(client, "get", "/api/v1/tokens", raw).json()["items"][0]
    assert listed["last_used_at"] is not None


def test_revoking_twice_is_harmless_and_expired_tokens_do_not_work(client, user):
    token, raw = api_token_issue(user=user("town01_cmd"))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not works(client, raw)
    other = issue(client, "town01_cmd")
    pk = ApiToken.objects.filter(user__username="town01_cmd").order_by("-id").first().pk
    assert api(client, "post", f"/api/v1/tokens/{pk}/revoke", other).status_code == 200
    login_again = issue(client, "town01_cmd")
    again = api(client, "post", f"/api/v1/tokens/{pk}/revoke", login_again)
    assert again.status_code == 200 and again.json()["status"] == "revoked"


def test_an_admin_sees_everyones_tokens_on_the_page_and_revokes_one(client, login):
    theirs = issue(client, "town02_cmd")
    login("admin")
    page = client.get("/account/tokens/")
    assert page.status_code == 200 and page.context["everyone"]
    assert "town02_cmd" in {t.user.username for t in page.context["page"]}
    pk = ApiToken.objects.get(user__username="town02_cmd").pk
    assert client.post(f"/account/tokens/{pk}/revoke/").status_code == 302
    assert not works(client, theirs)
    assert ApiToken.objects.get(pk=pk).revoked_reason == TokenRevocation.ADMIN


def test_the_admin_site_action_revokes_tokens(client, login):
    theirs = issue(client, "town02_cmd")
    pk = ApiToken.objects.get(user__username="town02_cmd").pk
    login("admin")
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [pk]},
    )
    assert response.status_code == 302
    assert not works(client, theirs)


def _token_cases(user):
    """(label, raw) for each kind of token the API meets, valid or not."""
    valid, raw_valid = api_token_issue(user=user("town01_cmd"))
    revoked, raw_revoked = api_token_issue(user=user("town01_cmd"))
    ApiToken.objects.filter(pk=revoked.pk).update(revoked=True)
    expired, raw_expired = api_token_issue(user=user("town01_cmd"))
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    inactive, raw_inactive = api_token_issue(user=user("town02_cmd"))
    User.objects.filter(pk=inactive.user_id).update(is_active=False)
    return [
        ("valid", raw_valid),
        ("revoked", raw_revoked),
        ("expired", raw_expired),
        ("inactive user", raw_inactive),
        ("unknown", "x" * 40),
        ("too long", raw_valid + "x" * 200),
        ("empty", ""),
    ]


def test_the_fast_lanes_token_check_answers_as_the_apis(user):
    """accounts.services.api_token_user_id (and api_token_cte on PostgreSQL), the API's fast
    lane's token check in plain statements, decide each token as api_token_authenticate does,
    and record the last use as it does."""
    from django.db import connection

    from fugong.accounts.services import (
        api_token_authenticate,
        api_token_cte,
        api_token_user_id,
        hash_token,
    )

    def by_cte(raw):
        if not raw or len(raw) > 200:  # the lane refuses these before asking
            return None
        sql, params = api_token_cte("%s", [hash_token(raw)])
        with connection.cursor() as cursor:
            cursor.execute(sql + "SELECT user_id FROM api_token", params)
            row = cursor.fetchone()
        return row[0] if row else None

    checks = [api_token_user_id] + ([by_cte] if connection.vendor == "postgresql" else [])
    answers = {}
    for label, raw in _token_cases(user):
        ApiToken.objects.update(last_used_at=None)
        token = api_token_authenticate(raw)
        expected = token.user_id if token else None
        for check in checks:
            ApiToken.objects.update(last_used_at=None)
            assert check(raw) == expected, (label, check)
            used = ApiToken.objects.filter(last_used_at__isnull=False)
            assert list(used.values_list("user_id", flat=True)) == (
                [expected] if expected else []
            ), (label, check)
        answers[label] = expected is not None
    assert answers == {
        "valid": True,
        "revoked": False,
        "expired": False,
        "inactive user": False,
        "unknown": False,
        "too long": False,
        "empty": False,
    }
