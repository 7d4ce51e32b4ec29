"""The one optimistic-concurrency convention (fugong.core.concurrency, docs/workflow.md): the
version the user saw is compared with the locked row; a save made in between is a Conflict
(409 in the API, the form shown again with the entries kept on a page), never overwritten."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from fugong.accounts.testing import build_county
from fugong.core.concurrency import ensure_current, stamp_revision
from fugong.core.errors import Conflict
from fugong.core.testing import bearer, issue_token
from fugong.enterprises import services
from fugong.enterprises.models import Enterprise
from fugong.enterprises.testing import add_enterprise

pytestmark = pytest.mark.django_db

STAMP = datetime.datetime(2026, 12, 6, 10, 30, 15, 123456, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "seen",
    [
        None,
        "",
        "  ",
        STAMP,
        STAMP.isoformat(),
        "2026-12-06T18:30:15.123456+08:00",
        stamp_revision(STAMP),
        str(stamp_revision(STAMP)),
    ],
)
def test_the_version_seen_or_none_passes(seen):
    ensure_current(SimpleNamespace(updated_at=STAMP), seen, field="updated_at")


@pytest.mark.parametrize(
    "seen",
    [
        STAMP + datetime.timedelta(microseconds=1),
        "2026-12-06T10:30:15.123Z",
        "2026-12-06T10:30:15+00:00",
        stamp_revision(STAMP) - 1,
        "2000-01-01T00:00:00+00:00",
        "junk",
        "2026-13-45T00:00:00+00:00",
        "9" * 5000,
    ],
)
def test_another_version_is_a_conflict(seen):
    with pytest.raises(Conflict):
        ensure_current(SimpleNamespace(updated_at=STAMP), seen, field="updated_at")


@pytest.mark.parametrize(("seen", "ok"), [(3, True), ("3", True), (2, False), ("x", False)])
def test_revision_numbers(seen, ok):
    obj = SimpleNamespace(revision=3)
    if ok:
        ensure_current(obj, seen, field="revision")
    else:
        with pytest.raises(Conflict):
            ensure_current(obj, seen, field="revision")


@pytest.fixture
def county():
    return build_county("999931")


def test_an_enterprise_changed_since_it_was_read_is_not_overwritten(county):
    me = county["w_t1_cmd"]
    e = add_enterprise(county, 1)
    seen = e.updated_at
    services.enterprise_update(actor=me, enterprise=e, seen=seen, address="先改的地址")
    with pytest.raises(Conflict):
        services.enterprise_update(actor=me, enterprise=e, seen=seen, address="后改的地址")
    e.refresh_from_db()
    assert e.address == "先改的地址"
    services.enterprise_update(actor=me, enterprise=e, seen=e.updated_at, address="后改的地址")
    assert Enterprise.objects.get(pk=e.pk).address == "后改的地址"


def test_the_api_answers_409_to_a_stale_patch_and_changes_nothing(client, county):
    e = add_enterprise(county, 1)
    headers = bearer(issue_token(client, "w_t1_cmd"))
    read = client.get(f"/api/v1/enterprises/{e.pk}", headers=headers).json()["revision"]
    first = client.patch(
        f"/api/v1/enterprises/{e.pk}",
        {"address": "先改的地址", "revision": read},
        content_type="application/json",
        headers=headers,
    )
    assert first.status_code == 200, first.content
    stale = client.patch(
        f"/api/v1/enterprises/{e.pk}",
        {"address": "后改的地址", "revision": read},
        content_type="application/json",
        headers=headers,
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict", stale.content
    assert Enterprise.objects.get(pk=e.pk).address == "先改的地址"
    untracked = client.patch(
        f"/api/v1/enterprises/{e.pk}",
        {"address": "不带版本"},
        content_type="application/json",
        headers=headers,
    )
    assert untracked.status_code == 200
