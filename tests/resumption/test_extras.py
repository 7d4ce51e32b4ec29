"""What the other files leave out: the attachment size limit, number and text checklist items,
and the queue's order following the configurable weights. The data is a small county of its own
(fugong.resumption.testing.build_casts, built once for the module)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from fugong.core.errors import UserError
from fugong.core.testing import world_fixtures
from fugong.enterprises.testing import add_enterprise
from fugong.inspections.models import ChecklistItem, ItemKind
from fugong.inspections.services import template_new_version
from fugong.resumption import policy, selectors, services
from fugong.resumption.choices import Mode, Status
from fugong.resumption.models import AcceptanceAnswer, Filing, ResumptionPolicy
from fugong.resumption.testing import answers, build_casts, new_filing, submitted_filing

pytestmark = pytest.mark.django_db

_built, world = world_fixtures(build_casts, scope="module")


@override_settings(FUGONG_ATTACHMENT_MAX_MB=1)
def test_an_attachment_over_the_size_limit_is_refused(world):
    c = world[Mode.APPROVAL]
    filing = new_filing(c, attach=False)
    big = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(UserError, match="1 MB"):
        services.attachment_add(actor=c.enterprise, filing=filing, kind="plan", upload=big)
    assert not filing.attachments.exists()


def test_number_and_text_items_are_required_and_kept(world):
    c = world[Mode.APPROVAL]
    v1 = services.acceptance_template()
    v2 = template_new_version(actor=world.county["w_admin"], template=v1)
    count = ChecklistItem.objects.create(
        template=v2, position=12, text="在岗人数", kind=ItemKind.NUMBER
    )
    note = ChecklistItem.objects.create(
        template=v2, position=13, text="现场情况说明", kind=ItemKind.TEXT
    )
    filing = new_filing(c, Status.ACCEPTANCE_SCHEDULED)
    assert filing.acceptances.get().template == v2
    given = answers(v2)
    given.pop(count.pk, None)
    given.pop(note.pk, None)
    with pytest.raises(UserError) as error:
        services.acceptance_record(actor=c.inspector, filing=filing, answers=given, opinion="同意")
    assert "在岗人数" in error.value.message and "现场情况说明" in error.value.message
    given[count.pk] = services.Answer(number=86)
    given[note.pk] = services.Answer(text="门岗测温、登记台账齐全")
    services.acceptance_record(actor=c.inspector, filing=filing, answers=given, opinion="同意")
    assert Filing.objects.get(pk=filing.pk).status == Status.ACCEPTED
    kept = {a.item_id: a for a in AcceptanceAnswer.objects.filter(acceptance__filing=filing)}
    assert kept[count.pk].number == 86 and kept[note.pk].text == "门岗测温、登记台账齐全"


def test_the_queue_follows_the_priority_and_the_weights_change_it(world):
    c = world[Mode.APPROVAL]
    # Three filings of small industry in town 1 (which the cast's reviewer, its safety office,
    # reviews), submitted least urgent first: the local share of their staff (weight 10) and
    # orders (weight 5) set their priorities apart.
    for changes in (
        {"staff_local": 0, "staff_city": 10},
        {"staff_local": 5, "staff_city": 5},
        {"staff_local": 10, "staff_city": 0, "has_orders": True},
    ):
        enterprise = add_enterprise(
            world.county, 1, jurisdiction=world.county.place(1), revenue_last_year=500
        )
        submitted_filing(world.registry, enterprise, **changes)
    queue = list(selectors.review_queue(user=c.reviewer))
    assert len({f.priority for f in queue}) == 3
    assert [f.priority for f in queue] == sorted((f.priority for f in queue), reverse=True)

    filing = new_filing(c, Status.DRAFT)
    town = world.county.place(1)
    ResumptionPolicy.objects.create(
        jurisdiction=town,
        mode=Mode.APPROVAL,
        effective_from=filing.created_at.date(),
        priority_weights={"orders": 500},
    )
    Filing.objects.filter(pk=filing.pk).update(has_orders=True)
    filing = services.filing_submit(actor=c.enterprise, filing=Filing.objects.get(pk=filing.pk))
    assert filing.priority >= 500
    assert policy.policy_for(town).weights["orders"] == 500
    assert selectors.review_queue(user=c.reviewer).first() == filing


def test_scheduling_and_recording_an_acceptance_leave_audit_rows(world):
    from fugong.core.audit import history_for

    c = world[Mode.APPROVAL]
    filing = new_filing(c, Status.ACCEPTED)
    acceptance = filing.acceptances.get()
    actions = [entry.action for entry in history_for(acceptance)]
    assert sorted(actions) == ["create", "update"]
    update = next(e for e in history_for(acceptance) if e.action == "update")
    assert update.after["passed"] is True and update.before["passed"] is None
