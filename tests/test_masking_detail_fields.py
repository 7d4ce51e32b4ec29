"""The filing page masks phones in every free-text field it shows, as the API does
(Filing.audit_masked_fields), not only in the leading group and the emergency plan."""

from __future__ import annotations

import pytest

from fugong.core.testing import built_for_the_class
from fugong.resumption.models import Filing
from tests.test_masking import masked_world

pytestmark = pytest.mark.django_db

CANTEEN = "食堂负责人 13812345678"
ISOLATION = "一楼隔离室，联系人 13987654321"


@pytest.fixture(scope="class")
def _world(django_db_setup, django_db_blocker):
    yield from built_for_the_class(django_db_blocker, masked_world)


def test_a_reviewer_sees_the_isolation_room_and_canteen_masked(client, _world):
    filing, owner, reviewer = _world.filing, _world.owner, _world.reviewer
    assert {"isolation_room", "canteen_measures"} <= set(Filing.audit_masked_fields)
    Filing.objects.filter(pk=filing.pk).update(
        has_canteen=True,
        canteen_measures=CANTEEN,
        has_isolation_room=True,
        isolation_room=ISOLATION,
    )
    client.force_login(reviewer)
    html = client.get(f"/resumption/{filing.pk}/").content.decode()
    assert "13812345678" not in html and "13987654321" not in html
    assert "食堂负责人" in html and "一楼隔离室" in html
    client.force_login(owner)
    html = client.get(f"/resumption/{filing.pk}/").content.decode()
    assert "13812345678" in html and "13987654321" in html
