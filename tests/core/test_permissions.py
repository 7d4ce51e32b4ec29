"""core.permissions: a refusal is checked in the service, raised as NotAllowed, and shown one
way: the shared 403 page with the sentence, and the API's one 403 shape."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.core import permissions
from fugong.core.errors import NotAllowed, UserError
from fugong.reporting.models import Submission
from tests.conftest import DEMO_PASSWORD


def test_not_allowed_is_the_one_refusal():
    exc = NotAllowed("Only the town may.")
    assert isinstance(exc, PermissionDenied) and isinstance(exc, UserError)
    assert (exc.status, exc.code, exc.message) == (403, "forbidden", "Only the town may.")
    assert permissions.refusal_message(exc) == "Only the town may."
    assert permissions.refusal_message(PermissionDenied("Ask the county.")) == "Ask the county."
    assert permissions.refusal_message(PermissionDenied()) == ""


def test_require(demo, user):
    admin = user("admin")
    permissions.require(admin, lambda u: True)
    permissions.require(admin, lambda u, obj: obj == 1, 1)
    with pytest.raises(NotAllowed) as refused:
        permissions.require(admin, lambda u: False, message="Ask the county.")
    assert refused.value.message == "Ask the county."
    with pytest.raises(NotAllowed) as refused:
        permissions.require(admin, lambda u, obj: False, object())
    assert refused.value.message == permissions.general_refusal()
    town_user = user("town01_cmd")
    with pytest.raises(NotAllowed):
        permissions.require(town_user, "core.add_documentcounter")


def _token(client, username: str) -> dict:
    response = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_the_same_refusal_through_a_page_and_the_api(client, login, demo):
    """The county's command office may not submit a town's daily figures: the service says so
    once, and both the page and the API carry its sentence with 403."""
    town = Membership.objects.get(user__username="town01_cmd", role=Role.COMMAND).jurisdiction
    day = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sentence = f"Only the command office of {town.name} submits its figures."

    headers = _token(client, "county_cmd")
    response = client.post(
        "/api/v1/stats/submissions/submit",
        {"node": town.pk, "day": day},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 403
    assert response.json() == {"code": "forbidden", "message": sentence}

    login("county_cmd")
    response = client.post("/stats/reporting/submit/", {"node": town.pk, "day": day})
    assert response.status_code == 403
    assert [t.name for t in response.templates][0] == "errors/403.html"
    assert response.context["message"] == sentence
    assert sentence in response.content.decode()
    assert not Submission.objects.filter(jurisdiction=town, status="submitted").exists()
