"""The filing page masks phones in every free-text field it shows, as the API does
(Filing.audit_masked_fields), not only in the leading group and the emergency plan."""

from __future__ import annotations

import pytest

from fugong.resumption.models import Filing
from tests.test_masking import _filing_with_phones_and_people

pytestmark = pytest.mark.django_db

CANTEEN = "食堂负责人 13812345678"
ISOLATION = "一楼隔离室，联系人 13987654321"


def test_a_reviewer_sees_the_isolation_room_and_canteen_masked(client):
    filing, owner, reviewer = _filing_with_phones_and_people()
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
