"""The commuter bus and its opinion letter (issue 17 point 4): reviewed on the workflow engine
where the place asks for it (the default) or issued at once where it does not, numbered by
the town without gaps (青溪通勤〔2026〕0001号), downloadable as a PDF with its number and a QR
code to the public page, which says whether it still holds (valid, revoked, expired)."""

from __future__ import annotations

import io
import re

import pytest
from django.test import override_settings
from pypdf import PdfReader

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.buses import services
from fugong.buses.choices import LetterStatus
from fugong.buses.models import LetterStep
from fugong.core.errors import NotAllowed, UserError
from fugong.core.models import AuditLog
from tests.buses.helpers import bus, day, owner, two_enterprises

pytestmark = pytest.mark.django_db


def reviewer_of(letter):
    return Membership.objects.filter(office=letter.office, role=Role.REVIEWER).first().user


def new_letter(enterprise, plate="浙A10001", **days):
    actor = owner(enterprise)
    made = bus(actor, enterprise, plate=plate)
    return services.letter_create(
        actor=actor, bus=made, valid_from=days.get("start", day(0)),
        valid_until=days.get("end", day(30)),
    )  # fmt: skip


def test_a_letter_is_reviewed_by_the_town_and_numbered_on_approval(demo):
    mine, _other = two_enterprises()
    letter = new_letter(mine)
    assert letter.needs_approval and letter.jurisdiction.depth == 3
    assert letter.office.kind == "economy"  # seed 004: the 经贸办 issues it
    actor = owner(mine)
    with pytest.raises(UserError):  # the enterprise cannot skip the review
        services.letter_step(actor=actor, letter=letter, action="issue")
    letter = services.letter_step(actor=actor, letter=letter, action="submit")
    assert letter.status == LetterStatus.SUBMITTED and not letter.number
    with pytest.raises(NotAllowed):
        services.letter_step(actor=actor, letter=letter, action="approve")
    reviewer = reviewer_of(letter)
    with pytest.raises(UserError):  # a reason is needed to send back
        services.letter_step(actor=reviewer, letter=letter, action="send_back")
    letter = services.letter_step(
        actor=reviewer, letter=letter, action="send_back", reason="补充站点"
    )
    assert letter.status == LetterStatus.DRAFT
    letter = services.letter_step(actor=actor, letter=letter, action="submit")
    letter = services.letter_step(actor=reviewer, letter=letter, action="approve")
    assert letter.status == LetterStatus.APPROVED
    prefix = letter.jurisdiction.name[:2]
    assert re.fullmatch(rf"{prefix}通勤〔\d{{4}}〕\d{{4}}号", letter.number)
    assert [s.action for s in LetterStep.objects.filter(letter=letter)] == [
        "submit", "send_back", "submit", "approve",
    ]  # fmt: skip
    assert services.letter_state(letter) == services.VALID
    assert (
        AuditLog.objects.filter(content_type__model="letter", object_id=str(letter.pk)).count() >= 5
    )


def test_a_command_office_over_the_town_may_approve_and_another_town_may_not(demo):
    mine, _other = two_enterprises()
    letter = new_letter(mine)
    letter = services.letter_step(actor=owner(mine), letter=letter, action="submit")
    elsewhere = (
        Membership.objects.filter(role=Role.COMMAND, jurisdiction__depth=3)
        .exclude(jurisdiction=letter.jurisdiction)
        .first()
        .user
    )
    with pytest.raises(NotAllowed):
        services.letter_step(actor=elsewhere, letter=letter, action="approve")
    county = Membership.objects.filter(role=Role.COMMAND, jurisdiction__depth=2).first().user
    letter = services.letter_step(actor=county, letter=letter, action="approve")
    assert letter.number


def test_without_review_the_enterprise_issues_the_letter_itself(demo):
    mine, _other = two_enterprises()
    county = Membership.objects.filter(role=Role.COMMAND, jurisdiction__depth=2).first()
    town_cmd = Membership.objects.filter(role=Role.COMMAND, jurisdiction__depth=3).first().user
    with pytest.raises(NotAllowed):  # a town does not set its county's rule
        services.letter_rule_set(actor=town_cmd, jurisdiction=county.jurisdiction,
                                 approval_required=False)  # fmt: skip
    services.letter_rule_set(actor=county.user, jurisdiction=county.jurisdiction,
                             approval_required=False)  # fmt: skip
    letter = new_letter(mine)
    assert not letter.needs_approval
    with pytest.raises(UserError):  # nothing to submit to
        services.letter_step(actor=owner(mine), letter=letter, action="submit")
    letter = services.letter_step(actor=owner(mine), letter=letter, action="issue")
    assert letter.status == LetterStatus.APPROVED and letter.number


@override_settings(FUGONG_BUS_LETTER_APPROVAL=False)
def test_the_setting_decides_where_no_place_has_a_rule(demo):
    mine, _other = two_enterprises()
    assert not new_letter(mine).needs_approval


def test_numbers_follow_each_other_without_gaps(demo):
    mine, other = two_enterprises()
    reviewer = None
    numbers = []
    for i, enterprise in enumerate([mine, other, mine]):
        letter = new_letter(enterprise, plate=f"浙A2000{i}")
        letter = services.letter_step(actor=owner(enterprise), letter=letter, action="submit")
        reviewer = reviewer or reviewer_of(letter)
        if i == 1:
            # A refused approval (the letter expired meanwhile) takes no number.
            type(letter).objects.filter(pk=letter.pk).update(
                valid_from=day(-30), valid_until=day(-1)
            )
            letter.refresh_from_db()
            with pytest.raises(UserError):
                services.letter_step(actor=reviewer, letter=letter, action="approve")
            continue
        numbers.append(
            services.letter_step(actor=reviewer, letter=letter, action="approve").sequence
        )
    assert numbers[1] == numbers[0] + 1


def test_one_open_letter_per_bus_and_its_days_in_order(demo):
    mine, _other = two_enterprises()
    letter = new_letter(mine)
    with pytest.raises(UserError) as exc:
        services.letter_create(actor=owner(mine), bus=letter.bus, valid_from=day(0),
                               valid_until=day(5))  # fmt: skip
    assert exc.value.code == "open_letter"
    with pytest.raises(UserError):
        services.letter_update(actor=owner(mine), letter=letter, valid_from=day(5),
                               valid_until=day(1))  # fmt: skip


def approved(enterprise, **days):
    letter = new_letter(enterprise, **days)
    letter = services.letter_step(actor=owner(enterprise), letter=letter, action="submit")
    return services.letter_step(actor=reviewer_of(letter), letter=letter, action="approve")


def test_the_pdf_opens_and_carries_the_number_and_its_verify_address(client, demo):
    mine, _other = two_enterprises()
    letter = approved(mine)
    client.force_login(owner(mine))
    response = client.get(f"/buses/letters/{letter.pk}/letter.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    assert letter.number in reader.metadata.title
    text = reader.pages[0].extract_text()
    assert f"/open/buses/letter/{letter.token}/" in text.replace("\n", "")


def test_the_public_page_says_valid_revoked_expired_or_unknown(client, demo):
    mine, _other = two_enterprises()
    letter = approved(mine)
    url = f"/open/buses/letter/{letter.token}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-state="valid"' in html and letter.number in html and letter.bus.plate in html
    assert "13812345678" not in html and "138" not in html  # no driver's phone
    assert "本意见函今日有效" in html  # Chinese by default
    services.letter_step(actor=reviewer_of(letter), letter=letter, action="revoke",
                         reason="车辆已停运")  # fmt: skip
    html = client.get(url).content.decode()
    assert 'data-state="revoked"' in html and "车辆已停运" in html
    old = approved(mine, start=day(-40), end=day(0))
    type(old).objects.filter(pk=old.pk).update(valid_until=day(-1))
    assert 'data-state="expired"' in client.get(f"/open/buses/letter/{old.token}/").content.decode()
    assert client.get("/open/buses/letter/nope/").status_code == 404
    # A bus taken out of service: its letter does not hold.
    other = approved(mine, plate="浙A88888")
    stops = [(s.name, s.time) for s in other.bus.stops.all()]
    services.bus_save(actor=owner(mine), enterprise=mine, bus=other.bus, stops=stops,
                      driver_phone="13812345678", status="suspended")  # fmt: skip
    html = client.get(f"/open/buses/letter/{other.token}/").content.decode()
    assert 'data-state="out_of_service"' in html
    draft = new_letter(mine, plate="浙A99999")
    assert client.get(f"/open/buses/letter/{draft.token}/").status_code == 404
