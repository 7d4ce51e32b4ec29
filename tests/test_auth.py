"""Login, lockout, password rules, session expiry, logout, the login log, role home pages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from fugong.accounts.models import LoginEvent, LoginLog
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def post_login(client, username: str, password: str):
    return client.post("/account/login/", {"username": username, "password": password})


def test_login_page_is_chinese_by_default(client):
    page = client.get("/account/login/")
    assert page.status_code == 200
    assert 'lang="zh-hans"' in page.content.decode()


def test_login_page_in_english_when_chosen(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/account/login/"})
    assert 'lang="en"' in client.get("/account/login/").content.decode()


def test_login_lands_on_home_and_is_logged(client):
    response = post_login(client, "town01_cmd", DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert LoginLog.objects.filter(username="town01_cmd", event=LoginEvent.LOGIN).exists()


def test_wrong_password_does_not_say_which_part_was_wrong(client):
    wrong_password = post_login(client, "town01_cmd", "not-the-password1")
    unknown_user = post_login(client, "no_such_user", "not-the-password1")
    assert wrong_password.status_code == unknown_user.status_code == 200
    with translation.override("zh-hans"):
        for page in (wrong_password, unknown_user):
            errors = page.context["form"].non_field_errors()
            assert len(errors) == 1
    assert (
        wrong_password.context["form"].non_field_errors()
        == unknown_user.context["form"].non_field_errors()
    )
    assert LoginLog.objects.filter(username="town01_cmd", event=LoginEvent.FAILED).exists()


def test_lockout_after_repeated_failures_says_how_long_to_wait(client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "town01_ajb", "wrong-password-1")
    locked = post_login(client, "town01_ajb", DEMO_PASSWORD)  # even the right password
    assert locked.status_code == 429
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert locked.context["lockout_minutes"] == minutes
    assert str(minutes) in locked.context["lockout_message"]
    assert LoginLog.objects.filter(username="town01_ajb", event=LoginEvent.LOCKED).exists()
    # Another account from the same address is not locked.
    assert post_login(client, "town01_gcb", DEMO_PASSWORD).status_code == 302


def test_password_rules():
    for weak in ["short1", "onlyletterslong", "12345678901234", "password123"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Spring-2026-resume")


@pytest.mark.parametrize("weak", ["a1a1a1a1a1", "abcd1234abcd", "qwerty123456", "zhangsan2026"])
def test_easily_guessed_passwords_are_refused_with_a_translated_message(weak):
    from fugong.accounts.models import User

    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_password(weak, User(username="zhangsan", full_name="张三"))
    codes = {e.code for e in caught.value.error_list}
    assert "password_too_weak" in codes
    message = next(e.message for e in caught.value.error_list if e.code == "password_too_weak")
    assert "密码" in str(message)


def test_the_passwords_the_project_uses_pass_the_rules():
    from fugong.demo.generator import generate_password

    for password in (DEMO_PASSWORD, "Bench-pass-2026", "Strong-pass-123", "Resume-2026-ok"):
        validate_password(password)
    for _ in range(20):
        validate_password(generate_password())


def test_a_weak_new_password_is_refused_on_the_password_page(client, login):
    login("town01_sab")
    page = client.post(
        "/account/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "a1a1a1a1a1",
            "new_password2": "a1a1a1a1a1",
        },
    )
    assert page.status_code == 200 and page.context["form"].errors["new_password2"]


def test_session_expires_after_idle_time_and_at_browser_close():
    assert settings.SESSION_COOKIE_AGE == 120 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE  # idle expiry slides: tests/test_busy.py


def test_logout_is_logged_and_ends_the_session(client):
    post_login(client, "town01_cmd", DEMO_PASSWORD)
    response = client.post("/account/logout/")
    assert response.status_code == 302
    assert LoginLog.objects.filter(username="town01_cmd", event=LoginEvent.LOGOUT).exists()
    assert client.get("/").status_code == 302


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/enterprises/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


@pytest.mark.parametrize(
    ("username", "template"),
    [
        ("admin", "accounts/home_command.html"),
        ("county_cmd", "accounts/home_command.html"),
        ("town01_cmd", "accounts/home_command.html"),
        ("town01_jmb", "accounts/home_office.html"),
        ("county_rsj", "accounts/home_office.html"),
        ("town01_park", "accounts/home_office.html"),
        ("town01_cadre", "accounts/home_cadre.html"),
        ("town01_grid", "accounts/home_cadre.html"),
        ("town01_ent1", "accounts/home_enterprise.html"),
        ("town01_emp1", "accounts/home_employee.html"),
    ],
)
def test_each_role_lands_on_its_own_home(client, login, username, template):
    login(username)
    page = client.get("/")
    assert page.status_code == 200
    assert template in [t.name for t in page.templates]


def test_navigation_by_role(client, login):
    login("town01_ent1")
    menu = {item.url_name for item in client.get("/").context["menu"]}
    assert "enterprises:list" in menu
    assert "admin:index" not in menu and "accounts:jurisdictions" not in menu
    login("admin")
    menu = {item.url_name for item in client.get("/").context["menu"]}
    assert {"admin:index", "accounts:jurisdictions", "enterprises:list"} <= menu


def test_login_log_shows_only_own_entries(client, login):
    post_login(client, "town02_cmd", "wrong-password-1")
    login("town01_cmd")
    page = client.get("/account/login-log/")
    assert page.status_code == 200
    assert all(row.username == "town01_cmd" for row in page.context["page"])


def test_password_change_follows_the_rules_and_is_audited(client, login):
    from fugong.core.audit import history_for

    me = login("town01_sab")
    weak = client.post(
        "/account/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "abcdefghijk",
            "new_password2": "abcdefghijk",
        },
    )
    assert weak.status_code == 200 and weak.context["form"].errors["new_password2"]
    strong = client.post(
        "/account/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "Resume-2026-ok",
            "new_password2": "Resume-2026-ok",
        },
    )
    assert strong.status_code == 302
    me.refresh_from_db()
    assert me.check_password("Resume-2026-ok")
    assert history_for(me).first().reason == "password changed"
    assert client.get("/").status_code == 200  # still logged in


def test_chinese_even_when_the_browser_asks_for_english(client):
    page = client.get("/account/login/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="zh-hans"' in page.content.decode()


def test_tries_during_a_lockout_do_not_extend_it(client, settings):
    from datetime import timedelta

    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "town02_gcb", "wrong-password-1")
    AccessAttempt.objects.filter(username="town02_gcb").update(
        attempt_time=timezone.now() - timedelta(minutes=10)
    )
    again = post_login(client, "town02_gcb", "wrong-password-1")
    assert again.status_code == 429
    assert again.context["lockout_minutes"] == 5


OFF_SITE = ["//evil.example", "https://evil.example/", "/\\evil.example", "///evil.example/x"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_redirects_off_site(client, target):
    response = client.post(
        f"/account/login/?next={target}",
        {"username": "town01_cmd", "password": DEMO_PASSWORD, "next": target},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    # Already signed in: the login page sends the user on, but not off the site either.
    again = client.get("/account/login/", {"next": target})
    assert again.status_code == 302 and again["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_next_field_never_redirects_off_site(client, login, target):
    login("town01_cmd")
    response = client.post("/enterprises/bulk/", {"next": target, "action": "nothing"})
    assert response.status_code == 302 and response["Location"] == "/enterprises/"
    on_site = client.post("/enterprises/bulk/", {"next": "/enterprises/?page=2", "action": "x"})
    assert on_site["Location"] == "/enterprises/?page=2"


def test_safe_next():
    from django.test import RequestFactory

    from fugong.core.redirects import safe_next

    request = RequestFactory().get("/")
    for target in [*OFF_SITE, "javascript:alert(1)", "", None]:
        assert safe_next(request, target, "/home/") == "/home/"
    assert safe_next(request, "/enterprises/?q=1", "/home/") == "/enterprises/?q=1"
    assert safe_next(request, "http://testserver/jobs/", "/home/") == "http://testserver/jobs/"
