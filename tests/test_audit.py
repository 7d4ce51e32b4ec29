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


def _rows(content: str) -> dict[str, tuple[str, str, str]]:
    """The first history entry's rows: field → (label, before, after)."""
    import html
    import re

    entry = content.split('data-testid="history-entry"')[1].split("</table>")[0]
    rows = re.findall(
        r'<tr data-field="([^"]+)"><td>(.*?)</td><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td></tr>',
        entry,
        re.S,
    )
    return {f: tuple(html.unescape(x) for x in rest) for f, *rest in rows}


def test_history_shows_field_names_choices_objects_and_booleans_as_people_read_them(client, login):
    """Issue 10 §6: not `park` and `tier major`, but 园区/楼宇 and the park's name, 重点层级
    and 重大企业, 是/否; in the page's language (zh-hans by default)."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.text import capfirst

    from fugong.enterprises.choices import Tier
    from fugong.enterprises.models import Park

    park = Park.objects.select_related("jurisdiction").first()
    enterprise = (
        Enterprise.objects.filter(jurisdiction__path__startswith=park.jurisdiction.path)
        .exclude(park=park)
        .exclude(tier=Tier.MAJOR)
        .first()
    )
    was_key = enterprise.is_key
    audited_update(
        enterprise,
        actor=User.objects.get(username="admin"),
        park=park,
        tier=Tier.MAJOR,
        is_key=not was_key,
    )
    login("admin")
    content = client.get(f"/history/enterprises/enterprise/{enterprise.pk}/").content.decode()
    rows = _rows(content)
    with translation.override(settings.LANGUAGE_CODE):
        field = Enterprise._meta.get_field
        assert rows["park"] == (capfirst(str(field("park").verbose_name)), "", park.name)
        assert rows["tier"][0] == capfirst(str(field("tier").verbose_name))
        assert rows["tier"][2] == str(Tier.MAJOR.label) != "major"
        yes, no = translation.gettext("Yes"), translation.gettext("No")
        assert rows["is_key"][1:] == ((yes, no) if was_key else (no, yes))
    assert settings.LANGUAGE_CODE == "zh-hans" and (yes, no) == ("是", "否")
    assert rows["park"][0] == "园区/楼宇" and rows["tier"][2] == "重大企业"
    labels = [label for label, _before, _after in rows.values()]
    assert "park" not in labels and "tier" not in labels and "major" not in content


def test_every_model_with_history_shows_verbose_names_and_labels(demo):
    """Every audited model of the demo: each changed field that the model has is shown by its
    verbose name, a choice by its label, a relation by a name and a boolean as Yes / No, never
    by its raw value."""
    from django.utils import translation
    from django.utils.text import capfirst

    from fugong.core.audit import history_display

    seen = 0
    for content_type_id in AuditLog.objects.values_list("content_type", flat=True).distinct():
        entries = list(AuditLog.objects.filter(content_type_id=content_type_id)[:20])
        model = entries[0].content_type.model_class()
        if model is None:
            continue
        fields = {f.name: f for f in model._meta.get_fields() if hasattr(f, "verbose_name")}
        with translation.override("en"):
            for item in history_display(model, entries):
                for change in item.changes:
                    field = fields.get(change.name)
                    if field is None:
                        continue
                    assert change.label == capfirst(str(field.verbose_name)), (model, change)
                    before = (item.entry.before or {}).get(change.name)
                    after = (item.entry.after or {}).get(change.name)
                    for raw, text in ((before, change.before), (after, change.after)):
                        assert_shown(field, raw, text)
                    seen += 1
    assert seen > 100


def assert_shown(field, raw, text: str) -> None:
    if raw in (None, "", "******") or isinstance(raw, list | dict):
        return
    choices = dict(field.flatchoices) if getattr(field, "choices", None) else {}
    if raw in choices:
        assert text == str(choices[raw]), (field, raw, text)
    if field.is_relation and not field.many_to_many:
        assert text != str(raw), (field, raw, text)  # a name, not the id
    if isinstance(raw, bool):
        assert text in ("Yes", "No"), (field, raw, text)


def test_every_field_a_history_can_show_has_a_chinese_name():
    """History pages label each change by its field's verbose name: a field without one
    showed its English attribute name ("Revision", "From status") in the Chinese UI."""
    from django.apps import apps
    from django.utils import translation

    from fugong.stats.models import Tally  # derived counts, never audited or shown

    apps_shown = {
        "core",
        "accounts",
        "enterprises",
        "inspections",
        "resumption",
        "stats",
        "reporting",
        "reports",
    }
    english = []
    with translation.override("zh-hans"):
        for model in apps.get_models():
            if model._meta.app_label not in apps_shown or model is Tally:
                continue
            for field in model._meta.concrete_fields:
                if field.primary_key:
                    continue
                if str(field.verbose_name).isascii():
                    english.append(f"{model.__name__}.{field.name}: {field.verbose_name}")
    assert not english, english
