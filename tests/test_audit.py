"""Audit: every write through a service leaves who, when, what, before and after."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fugong.accounts import services
from fugong.accounts.choices import Level
from fugong.accounts.models import Jurisdiction, User
from fugong.core.audit import audited_update, history_for
from fugong.core.models import AuditAction, AuditLog
from fugong.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def test_create_records_after_snapshot(user):
    admin = user("admin")
    county = Jurisdiction.objects.get(level=Level.COUNTY)
    node = services.jurisdiction_create(
        actor=admin, code=county.code + "299", name="新设乡", level=Level.TOWN, parent=county
    )
    entry = history_for(node).get()
    assert entry.action == AuditAction.CREATE
    assert entry.actor == admin and entry.before is None
    assert entry.after["name"] == "新设乡" and entry.after["parent"] == county.pk


def test_update_records_before_and_after_and_reason(user):
    admin = user("admin")
    enterprise = Enterprise.objects.first()
    old_name = enterprise.name
    audited_update(enterprise, actor=admin, reason="更名", name="改名后的公司")
    entry = history_for(enterprise).first()
    assert entry.action == AuditAction.UPDATE and entry.reason == "更名"
    assert ("name", old_name, "改名后的公司") in entry.changes()


def test_update_without_change_writes_nothing(user):
    enterprise = Enterprise.objects.first()
    before = AuditLog.objects.count()
    audited_update(enterprise, actor=user("admin"), name=enterprise.name)
    assert AuditLog.objects.count() == before


def test_invalid_update_saves_nothing_and_logs_nothing(user):
    enterprise = Enterprise.objects.first()
    before = AuditLog.objects.count()
    with pytest.raises(ValidationError) as err:
        audited_update(enterprise, actor=user("admin"), credit_code="91330000123456789X")
    assert "credit_code" in err.value.message_dict
    enterprise.refresh_from_db()
    assert enterprise.credit_code != "91330000123456789X"
    assert AuditLog.objects.count() == before


def test_personal_data_is_masked_and_password_excluded(user):
    admin = user("admin")
    created = services.user_create(
        actor=admin, username="audit_me", password="Strong-pass-123", phone="13812345678"
    )
    after = history_for(created).get().after
    assert after["phone"] == "******"
    assert "password" not in after
    assert "13812345678" not in str(AuditLog.objects.filter(object_id=str(created.pk)).values())


def test_history_page_visible_only_to_those_who_see_the_object(client, login):
    enterprise = Enterprise.objects.filter(
        jurisdiction__path__startswith=Jurisdiction.objects.filter(
            level__in=[Level.TOWN, Level.STREET]
        )
        .order_by("code")[0]
        .path
    ).first()
    audited_update(enterprise, actor=User.objects.get(username="admin"), name="审计可见公司")
    login("town01_cmd")
    page = client.get(f"/history/enterprises/enterprise/{enterprise.pk}/")
    assert page.status_code == 200 and "审计可见公司" in page.content.decode()
    login("town02_cmd")
    assert client.get(f"/history/enterprises/enterprise/{enterprise.pk}/").status_code == 404


def test_history_of_unknown_model_is_404(client, login):
    login("admin")
    assert client.get("/history/nope/nothing/1/").status_code == 404


def test_admin_writes_are_audited(client, login):
    admin = login("admin")
    node = Jurisdiction.objects.get(level=Level.COUNTY)
    response = client.post(
        f"/admin/accounts/jurisdiction/{node.pk}/change/",
        {
            "code": node.code,
            "name": "改名县",
            "level": node.level,
            "parent": node.parent_id,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = history_for(node).first()
    assert entry.actor == admin and ("name", "青溪县", "改名县") in entry.changes()
