"""Checklist templates are versioned: a new version never changes a filled checklist."""

from __future__ import annotations

import pytest

from fugong.inspections.checklists import ACCEPTANCE_ITEMS
from fugong.inspections.models import ChecklistTemplate
from fugong.inspections.services import template_in_use, template_new_version
from fugong.resumption.models import Acceptance
from fugong.resumption.services import acceptance_template

pytestmark = pytest.mark.django_db


def test_the_default_acceptance_template_has_the_eleven_items_of_seed_004():
    template = ChecklistTemplate.objects.get(code="acceptance", version=1)
    assert [i.text for i in template.items.order_by("position")] == [
        t for t, _k, _p in ACCEPTANCE_ITEMS
    ]
    assert template.items.count() == 11


def test_new_version_is_used_for_new_acceptances_and_old_answers_keep_theirs(user):
    old = ChecklistTemplate.objects.get(code="acceptance", version=1)
    done = Acceptance.objects.filter(template=old, performed_at__isnull=False).first()
    assert done is not None and template_in_use(old)
    answered = list(done.answers.values_list("item__text", flat=True))

    new = template_new_version(actor=user("admin"), template=old)
    new.items.filter(position=11).update(text="新增:复工人员健康码核验", kind="text")

    old.refresh_from_db()
    assert not old.is_active and new.version == 2 and acceptance_template() == new
    assert list(done.answers.values_list("item__text", flat=True)) == answered
    assert "新增:复工人员健康码核验" not in answered
