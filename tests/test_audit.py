"""Audit: every write through a service leaves who, when, what, before and after. The data is a
small county of its own (fugong.accounts.testing, fugong.enterprises.testing), built once for
the class; the sweep over every audited model still reads the demo county's history, which
holds rows of every model."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fugong.accounts import services
from fugong.accounts.choices import Level
from fugong.accounts.testing import build_county
from fugong.core.audit import audited_update, history_for
from fugong.core.models import AuditAction, AuditLog
from fugong.core.testing import (
    Call,
    HidesOutsideScope,
    OneAuditRowPerWrite,
    Write,
    world_fixtures,
)
from fugong.enterprises.models import Enterprise
from fugong.enterprises.testing import add_park, build_registry

pytestmark = pytest.mark.django_db


def _build():
    registry = build_registry(build_county())
    registry.park = add_park(registry.county, 1)
    return registry


_built, world = world_fixtures(_build)


class TestServiceWrites:
    def test_create_records_after_snapshot(self, world):
        admin, county = world["w_admin"], world.county.county
        node = services.jurisdiction_create(
            actor=admin, code=county.code + "299", name="新设乡", level=Level.TOWN, parent=county
        )
        entry = history_for(node).get()
        assert entry.action == AuditAction.CREATE
        assert entry.actor == admin and entry.before is None
        assert entry.after["name"] == "新设乡" and entry.after["parent"] == county.pk

    def test_update_records_before_and_after_and_reason(self, world):
        enterprise = Enterprise.objects.get(pk=world.enterprises[1][0].pk)
        old_name = enterprise.name
        audited_update(enterprise, actor=world["w_admin"], reason="更名", name="改名后的公司")
        entry = history_for(enterprise).first()
        assert entry.action == AuditAction.UPDATE and entry.reason == "更名"
        assert ("name", old_name, "改名后的公司") in entry.changes()

    def test_update_without_change_writes_nothing(self, world):
        enterprise = Enterprise.objects.get(pk=world.enterprises[1][0].pk)
        before = AuditLog.objects.count()
        audited_update(enterprise, actor=world["w_admin"], name=enterprise.name)
        assert AuditLog.objects.count() == before

    def test_invalid_update_saves_nothing_and_logs_nothing(self, world):
        enterprise = Enterprise.objects.get(pk=world.enterprises[1][0].pk)
        before = AuditLog.objects.count()
        with pytest.raises(ValidationError) as err:
            audited_update(enterprise, actor=world["w_admin"], credit_code="91330000123456789X")
        assert "credit_code" in err.value.message_dict
        enterprise.refresh_from_db()
        assert enterprise.credit_code != "91330000123456789X"
        assert AuditLog.objects.count() == before

    def test_personal_data_is_masked_and_password_excluded(self, world):
        created = services.user_create(
            actor=world["w_admin"],
            username="audit_me",
            password="Strong-pass-123",  # noqa: S106
            phone="13812345678",
        )
        after = history_for(created).get().after
        assert after["phone"] == "******"
        assert "password" not in after
        assert "13812345678" not in str(AuditLog.objects.filter(object_id=str(created.pk)).values())


def _history(enterprise) -> str:
    return f"/history/enterprises/enterprise/{enterprise.pk}/"


class TestHistoryPages(HidesOutsideScope, OneAuditRowPerWrite):
    def hidden_calls(self, w):
        yield Call(w["w_t2_cmd"], "get", _history(w.enterprises[1][0]))
        yield Call(w["w_admin"], "get", "/history/nope/nothing/1/")

    def seen_calls(self, w):
        yield Call(w["w_t1_cmd"], "get", _history(w.enterprises[1][0]))

    def writes(self, w):
        yield Write(Call(w["w_admin"], "post", *_county_renamed(w)), model="accounts.jurisdiction")

    def test_the_history_page_shows_the_change(self, client, world):
        enterprise = Enterprise.objects.get(pk=world.enterprises[1][0].pk)
        audited_update(enterprise, actor=world["w_admin"], name="审计可见公司")
        client.force_login(world["w_t1_cmd"])
        assert "审计可见公司" in client.get(_history(enterprise)).content.decode()

    def test_admin_writes_are_audited(self, client, world):
        client.force_login(world["w_admin"])
        response = client.post(*_county_renamed(world))
        assert response.status_code == 302, response.content.decode()[:2000]
        entry = history_for(world.county.county).first()
        assert entry.actor == world["w_admin"] and ("name", "测试县", "改名县") in entry.changes()

    def test_history_shows_field_names_choices_objects_and_booleans_as_people_read_them(
        self, client, world
    ):
        """Issue 10 §6: not `park` and `tier major`, but 园区/楼宇 and the park's name, 重点层级
        and 重大企业, 是/否; in the page's language (zh-hans by default)."""
        from django.conf import settings
        from django.utils import translation
        from django.utils.text import capfirst

        from fugong.enterprises.choices import Tier

        park = world.park
        enterprise = Enterprise.objects.get(pk=world.enterprises[1][0].pk)
        assert enterprise.park_id is None and enterprise.tier != Tier.MAJOR
        was_key = enterprise.is_key
        audited_update(
            enterprise, actor=world["w_admin"], park=park, tier=Tier.MAJOR, is_key=not was_key
        )
        client.force_login(world["w_admin"])
        content = client.get(_history(enterprise)).content.decode()
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


def _county_renamed(w) -> tuple[str, dict]:
    """The admin's change form for the county, renaming it 改名县."""
    node = w.county.county
    return f"/admin/accounts/jurisdiction/{node.pk}/change/", {
        "code": node.code,
        "name": "改名县",
        "level": node.level,
        "parent": node.parent_id,
        "is_active": "on",
    }


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
