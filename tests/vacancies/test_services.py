"""The vacancy services: the rules (pay range, filled ≤ needed, expiry bounds, phone), the
default place, the copied columns (search key with pinyin, listed), the status transitions,
who may write, one audit row per write, and the enterprise's deletion taking its vacancies."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.models import AuditLog
from fugong.vacancies import selectors, services
from fugong.vacancies.choices import VacancyStatus
from fugong.vacancies.models import Vacancy
from fugong.vacancies.search import query_terms
from tests.vacancies.helpers import enterprise_members, hr_member, make, other_town

pytestmark = pytest.mark.django_db


def audit_rows(vacancy) -> int:
    ct = ContentType.objects.get_for_model(Vacancy)
    return AuditLog.objects.filter(content_type=ct, object_id=str(vacancy.pk)).count()


def test_a_new_vacancy_is_a_draft_in_the_enterprises_village_with_a_30_day_expiry(demo):
    (a,) = enterprise_members(1)
    v = make(a, publish=False, post="电焊工", headcount=3)
    assert v.status == VacancyStatus.DRAFT and v.published_at is None
    assert v.expires_on == timezone.localdate() + datetime.timedelta(days=30)
    assert a.enterprise.jurisdiction.path.startswith(v.place.path) and v.place.depth <= 4
    assert v.industry_section == (
        a.enterprise.industry.section_code if a.enterprise.industry else ""
    )
    assert v.listed and audit_rows(v) == 1
    log = AuditLog.objects.filter(object_id=str(v.pk)).latest("pk")
    assert log.actor == a.user


def test_the_search_key_holds_the_text_its_initials_and_full_pinyin(demo):
    (a,) = enterprise_members(1)
    v = make(a, post="高级工程师")
    assert "高级工程师 gjgcs gaojigongchengshi" in v.search_key
    assert a.enterprise.name in v.search_key
    assert query_terms("  GJGCS\x00 gao  ji ") == ["gjgcs", "gao", "ji"]
    assert len(query_terms("x" * 5000)[0]) == 30
    assert query_terms("GJ GCS") == ["gj", "gcs"]
    assert query_terms("\x00\x01") == []


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"pay_min": 8000, "pay_max": 5000}, "8000"),
        ({"headcount": 2, "filled": 3}, "3"),
        ({"headcount": 0}, ""),
        ({"post": "   "}, ""),
        ({"contact_phone": "12345"}, ""),
        ({"age_min": 50, "age_max": 20}, "50"),
        ({"expires_on": datetime.date(2000, 1, 1)}, ""),
        ({"expires_on": datetime.date.today() + datetime.timedelta(days=400)}, "180"),
    ],
)
def test_a_broken_rule_is_refused_with_a_chinese_sentence(demo, values, words):
    (a,) = enterprise_members(1)
    with pytest.raises(UserError) as caught:
        make(a, **values)
    message = caught.value.message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    assert words in message
    assert not Vacancy.objects.filter(enterprise=a.enterprise, created_by=a.user).exists()


def test_pay_may_be_left_open_and_a_range_may_be_equal(demo):
    (a,) = enterprise_members(1)
    assert make(a, pay_min=None, pay_max=None).pay_min is None
    v = make(a, post="质检员", pay_min=6000, pay_max=6000)
    assert (v.pay_min, v.pay_max) == (6000, 6000)


def test_an_update_is_audited_once_and_nothing_changed_writes_nothing(demo):
    (a,) = enterprise_members(1)
    v = make(a)
    v = services.vacancy_save(actor=a.user, vacancy=v, filled=2, revision=v.revision)
    assert v.filled == 2 and v.revision == 1 and audit_rows(v) == 2
    services.vacancy_save(actor=a.user, vacancy=v, filled=2)
    assert audit_rows(v) == 2
    with pytest.raises(Conflict):
        services.vacancy_save(actor=a.user, vacancy=v, filled=3, revision=0)


def test_the_status_moves_draft_published_closed_and_reopens_with_a_new_expiry(demo):
    (a,) = enterprise_members(1)
    v = make(a, publish=False)
    v = services.vacancy_set_status(actor=a.user, vacancy=v, status=VacancyStatus.PUBLISHED)
    assert v.published_at is not None
    v = services.vacancy_set_status(actor=a.user, vacancy=v, status=VacancyStatus.CLOSED)
    Vacancy.objects.filter(pk=v.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    v = services.vacancy_set_status(actor=a.user, vacancy=v, status=VacancyStatus.PUBLISHED)
    assert v.expires_on > timezone.localdate()
    with pytest.raises(UserError):
        services.vacancy_set_status(actor=a.user, vacancy=v, status=VacancyStatus.DRAFT)


def test_only_the_enterprise_and_its_bureau_may_write(demo):
    a, b = enterprise_members(2)
    with pytest.raises(NotAllowed):
        services.vacancy_save(actor=b.user, enterprise=a.enterprise, post="普工", headcount=1)
    v = make(a)
    with pytest.raises(NotAllowed):
        services.vacancy_save(actor=b.user, vacancy=v, filled=1)
    with pytest.raises(NotAllowed):
        services.vacancy_set_status(actor=other_town(a.enterprise).user, vacancy=v,
                                    status=VacancyStatus.CLOSED)  # fmt: skip
    hr = hr_member()
    assert selectors.may_write(hr.user, a.enterprise_id)
    services.vacancy_save(actor=hr.user, vacancy=v, filled=1)
    assert selectors.vacancy_list(hr.user).filter(pk=v.pk).exists()


def test_the_board_setting_takes_the_enterprises_vacancies_off_the_board(demo):
    (a,) = enterprise_members(1)
    v = make(a)
    services.board_setting_set(actor=a.user, enterprise=a.enterprise, public=False)
    v.refresh_from_db()
    assert not v.listed and not selectors.board().filter(pk=v.pk).exists()
    later = make(a, post="仓管员")
    assert not later.listed
    services.board_setting_set(actor=a.user, enterprise=a.enterprise, public=True)
    assert selectors.board().filter(pk__in=[v.pk, later.pk]).count() == 2


def test_deleting_the_enterprise_deletes_its_vacancies(demo):
    """CASCADE (not PROTECT): nothing of this app holds an enterprise back. (The demo's
    enterprises are held by other apps' records, so this is read from the model.)"""
    from django.db import models

    from fugong.vacancies.models import BoardSetting

    for model in (Vacancy, BoardSetting):
        assert model._meta.get_field("enterprise").remote_field.on_delete is models.CASCADE


def test_totals_count_the_shortage_of_open_vacancies_only(demo):
    (a,) = enterprise_members(1)
    Vacancy.objects.filter(enterprise=a.enterprise).delete()
    make(a, headcount=10, filled=4)
    make(a, post="缝纫工", headcount=5, publish=False)
    old = make(a, post="叉车司机", headcount=7)
    Vacancy.objects.filter(pk=old.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    totals = selectors.totals(Vacancy.objects.filter(enterprise=a.enterprise))
    assert totals == {"open": 1, "headcount": 10, "filled": 4, "shortage": 6, "all": 3}


def test_the_search_key_follows_a_renamed_post(demo):
    (a,) = enterprise_members(1)
    v = make(a, post="普工")
    v = services.vacancy_save(actor=a.user, vacancy=v, post="叉车司机")
    assert "ccsj" in v.search_key and " pg " not in f" {v.search_key} "


def test_the_demo_gives_a_share_of_enterprises_vacancies_fitting_their_industry(demo):
    from fugong.enterprises.models import Enterprise
    from fugong.vacancies.demo import OTHER, POSTS

    with_vacancies = Vacancy.objects.values("enterprise_id").distinct().count()
    assert 0.2 * Enterprise.objects.count() <= with_vacancies <= 0.6 * Enterprise.objects.count()
    for v in Vacancy.objects.select_related("enterprise__industry__parent")[:50]:
        if v.created_by_id is None and v.enterprise.industry_id:
            section = v.enterprise.industry.section_code
            assert v.post in {p[0] for p in POSTS.get(section, OTHER)}
    assert Vacancy.objects.filter(listed=False).exists()
    assert selectors.board().exists()
