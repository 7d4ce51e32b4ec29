"""Filings for tests, made through the resumption services on a registry from
``fugong.enterprises.testing.build_registry``: an application that meets the rules, the files a
mode asks for, a filing taken step by step to any status (``drive``), and ``build_casts``, a
county with a filing mode per town and the people around one enterprise of each."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fugong.accounts.choices import OfficeKind, Role
from fugong.accounts.models import Membership, User
from fugong.accounts.testing import ACTOR, add_cadre, add_town, build_county, person
from fugong.core.audit import audited_create
from fugong.enterprises.choices import Category, Ledger
from fugong.enterprises.models import Enterprise
from fugong.enterprises.services import assignment_create
from fugong.enterprises.testing import Registry, add_enterprise, add_park, build_registry
from fugong.inspections.models import ItemKind
from fugong.resumption import policy, services
from fugong.resumption.choices import EDITABLE, CheckValue, Mode, RuleCode, Status
from fugong.resumption.demo import png_bytes
from fugong.resumption.models import Filing, ResumptionPolicy

S = Status
PHONE = "13812345678"


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def good_application(**changes) -> dict:
    """An application that meets every default rule and the earliest date ``build_casts``
    sets (today + 7): 10 returning staff, all from this city, 200 masks, planned in 10 days."""
    values = {
        "leading_group": "王伟 总经理 13800000001\n李娜 安全主管 13800000002",
        "emergency_plan": "发现发热人员立即隔离并报告社区及卫健部门。",
        "disinfection_measures": "办公区、车间每日两次消毒。",
        "masks": 200,
        "staff_local": 8,
        "staff_city": 2,
        "staff_province": 0,
        "staff_other_province": 0,
        "planned_date": days(10),
        "has_dormitory": False,
        "has_isolation_room": False,
    }
    values.update(changes)
    return values


def enterprise_of(user) -> Enterprise:
    return user.memberships.get(role=Role.ENTERPRISE).enterprise


def owner_of(enterprise: Enterprise) -> User:
    """The user who files for ``enterprise``: its own user (``w_t<n>_ent1`` for the first of
    each town) or, for the others, a user of its own (``w_ent<pk>``, made on first use)."""
    membership = (
        Membership.objects.filter(enterprise=enterprise, role=Role.ENTERPRISE, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is not None:
        return membership.user
    return person(f"w_ent{enterprise.pk}", Role.ENTERPRISE, enterprise=enterprise)


def add_filing(registry, enterprise: Enterprise, **application) -> Filing:
    """A draft filing for ``enterprise``, started by its owner (``owner_of``)."""
    user = owner_of(enterprise)
    return services.filing_create(actor=user, enterprise=enterprise, **application)


def photo(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(name), content_type="image/png")


def attach_required(filing: Filing, actor: User) -> Filing:
    """Attach, as ``actor``, a file of each kind the filing's mode asks for."""
    for kind in policy.missing_attachments(filing):
        services.attachment_add(actor=actor, filing=filing, kind=kind, upload=photo(f"{kind}.png"))
    return Filing.objects.get(pk=filing.pk)


def submitted_filing(registry, enterprise: Enterprise, **changes) -> Filing:
    """A filing of ``enterprise`` with a good application (``good_application(**changes)``) and
    its required files, submitted by its owner; routed to the town's reviewing offices."""
    owner = owner_of(enterprise)
    filing = services.filing_create(
        actor=owner, enterprise=enterprise, **good_application(**changes)
    )
    filing = attach_required(filing, owner)
    return services.filing_submit(actor=owner, filing=filing)


def reviewer_of(filing: Filing) -> User:
    """A member of the filing's lead office, which reviews it."""
    membership = (
        Membership.objects.filter(
            office_id=filing.lead_office_id,
            role__in=[Role.REVIEWER, Role.PARK_OPERATOR],
            is_active=True,
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    assert membership, f"no reviewer for filing {filing.pk}"
    return membership.user


def answers(template, *, fail=(), na=(), photos: bool = True) -> dict[int, services.Answer]:
    """An answer to every item of ``template``: pass, except the positions in ``fail`` (with a
    note) and ``na``; a photo wherever the template asks for one (unless ``photos`` is off)."""
    result = {}
    for item in template.items.all():
        if item.position in fail:
            value, text = CheckValue.FAIL, f"第{item.position}项不合格"
        elif item.position in na:
            value, text = CheckValue.NOT_APPLICABLE, ""
        else:
            value, text = CheckValue.PASS, ""
        if item.kind == ItemKind.TEXT:
            text = text or "已核查"
        wants_photo = item.photo_required or item.kind == ItemKind.PHOTO
        result[item.pk] = services.Answer(
            value=value if item.kind == ItemKind.CHECK else "",
            number=7 if item.kind == ItemKind.NUMBER else None,
            text=text,
            photo=photo(f"item{item.position}.png") if photos and wants_photo else None,
        )
    return result


@dataclass
class Cast:
    """The people around one enterprise's filing."""

    enterprise: User  # the enterprise's own user
    reviewer: User  # a reviewer of the lead office (the office that reviews and decides)
    second: User | None  # a reviewer of another office the filing is routed to (sees, inspects)
    other_reviewer: User  # a reviewer of an office the filing is not routed to
    inspector: User  # a cadre assigned to the enterprise (grid supervision group)
    town_cmd: User  # the town's command office
    county_cmd: User  # the county's command office


def drive(filing: Filing, to: str, c: Cast, *, approver=None) -> Filing:
    """Take ``filing`` along its mode's path, step by step through the services, until it is
    in status ``to``: the enterprise submits, the lead office's reviewer reviews and schedules, the
    assigned cadre inspects, the town's command office (or ``approver``) approves."""
    approver = approver or c.town_cmd
    for _step in range(10):
        filing = Filing.objects.get(pk=filing.pk)
        now = filing.status
        if now == to:
            return filing
        if to == S.WITHDRAWN:
            services.filing_transition(
                actor=c.enterprise, filing=filing, action="withdraw", reason="暂不复工"
            )
        elif now in EDITABLE:
            services.filing_submit(actor=c.enterprise, filing=filing)
        elif now in (S.SUBMITTED, S.UNDER_REVIEW) and to in (S.RETURNED, S.REJECTED):
            services.filing_transition(
                actor=c.reviewer,
                filing=filing,
                action="return" if to == S.RETURNED else "reject",
                reason="请补充错峰返岗计划。",
            )
        elif now in (S.SUBMITTED, S.UNDER_REVIEW) and to == S.RECORDED:
            services.filing_transition(actor=c.reviewer, filing=filing, action="record")
        elif now == S.SUBMITTED:
            services.filing_transition(actor=c.reviewer, filing=filing, action="start_review")
        elif now == S.UNDER_REVIEW:
            services.acceptance_schedule(
                actor=c.reviewer, filing=filing, date=timezone.localdate(), inspector=c.inspector
            )
        elif now == S.ACCEPTANCE_SCHEDULED:
            failing = to == S.ACCEPTANCE_FAILED
            services.acceptance_record(
                actor=c.inspector,
                filing=filing,
                answers=answers(
                    filing.acceptances.get(passed=None).template, fail=(5,) if failing else ()
                ),
                opinion="口罩储备不足。" if failing else "各项防控措施落实到位,同意复工。",
            )
        elif now == S.ACCEPTED and to == S.REJECTED:
            services.filing_transition(
                actor=approver, filing=filing, action="reject", reason="现场验收后复核不通过。"
            )
        elif now == S.ACCEPTED:
            services.filing_transition(actor=approver, filing=filing, action="approve")
        elif now == S.APPROVED:
            services.notice_issue(actor=approver, filing=filing)
        else:
            break
    raise AssertionError(f"cannot take a {filing.mode} filing from {filing.status} to {to}")


def new_filing(c: Cast, to: str = S.DRAFT, *, attach: bool = True, **changes) -> Filing:
    """A filing of the cast's enterprise, made by its user and taken to status ``to``; with
    the files its mode asks for unless ``attach`` is off."""
    filing = services.filing_create(
        actor=c.enterprise, enterprise=enterprise_of(c.enterprise), **good_application(**changes)
    )
    if attach:
        filing = attach_required(filing, c.enterprise)
    filing = drive(filing, to, c)
    assert filing.status == to, (filing.status, to)
    return filing


@dataclass
class Casts:
    registry: Registry
    casts: dict[str, Cast] = field(default_factory=dict)

    def __getitem__(self, which: str) -> Cast:
        return self.casts[which]

    @property
    def county(self):
        return self.registry.county


def _plans(park) -> dict[str, tuple]:
    """Each cast: town, the enterprise's fields, the offices the registry routes it to, and the
    user names of its reviewer, second office and other (not routed) reviewer."""
    industry_below = {"revenue_last_year": Decimal(500), "has_canteen": True}
    industry_above = {"revenue_last_year": Decimal(5000), "has_canteen": True}
    return {
        Mode.APPROVAL: (
            1, {**industry_below, "ledger": Ledger.CANNOT_RESUME},
            (OfficeKind.SAFETY, OfficeKind.FOOD_SAFETY), "w_t1_ajb", "w_t1_sab", "w_t1_jmb",
        ),
        Mode.RECORD: (
            2, {"category": Category.BELOW_LIMIT}, (OfficeKind.ECONOMY,), "w_t2_jmb", None,
            "w_t2_ajb",
        ),
        Mode.COMMITMENT: (
            3, industry_above, (OfficeKind.ECONOMY, OfficeKind.FOOD_SAFETY), "w_t3_jmb",
            "w_t3_sab", "w_t3_ajb",
        ),
        "park_tenant": (
            1, {"category": Category.BUILDING_PARK, "park": park, "ledger": Ledger.NORMAL},
            (OfficeKind.ECONOMY,), "w_t1_park", "w_t1_jmb", "w_t1_ajb",
        ),
    }  # fmt: skip


def add_cast(casts: Casts, like: str, name: str = "") -> Cast:
    """One more enterprise like cast ``like`` (its town, fields and routing) with a user
    ``w_<name>_ent`` and an assigned cadre ``w_<name>_cadre`` of its own: ``casts[name]``
    (``name`` defaults to ``like``, which ``build_casts`` uses for the first of each)."""
    name = name or like
    county = casts.county
    town, fields, offices, reviewer, second, other = _plans(casts.registry.park)[like]
    enterprise = add_enterprise(
        county, town, jurisdiction=county.place(town), offices=offices, **fields
    )
    user = person(f"w_{name}_ent", Role.ENTERPRISE, enterprise=enterprise)
    inspector = add_cadre(county, town, f"w_{name}_cadre")
    assignment_create(actor=ACTOR, enterprise=enterprise, user=inspector)
    casts.casts[name] = Cast(
        enterprise=user,
        reviewer=county[reviewer],
        second=county[second] if second else None,
        other_reviewer=county[other],
        inspector=inspector,
        town_cmd=county[f"w_t{town}_cmd"],
        county_cmd=county["w_county_cmd"],
    )
    return casts.casts[name]


def build_casts() -> Casts:
    """``build_registry(build_county())`` and a third town. The county works in approval mode
    (for 30 days, notice prefix 测试复工, earliest date today + 7 with the county's approval
    before it), town 2 in record mode and town 3 in commitment mode (for 10 days). One
    enterprise per cast (``add_cast``), routed by the default routing table:

    - ``approval`` (town 1): small industry with a canteen, in the ledger "cannot resume": the
      safety office leads, food safety (``w_t1_sab``) and the county's SME centre follow;
    - ``record`` (town 2): below the limit, the economy office alone;
    - ``commitment`` (town 3): industry above size with a canteen: the economy office leads,
      food safety (``w_t3_sab``) and the county's bureau of industry follow;
    - ``park_tenant`` (town 1): a tenant of the town's park, producing normally: the park's
      operator (``w_t1_park``) leads, the economy office follows.
    """
    registry = build_registry(build_county())
    county = registry.county
    add_town(county)
    # The modes were set weeks ago (as the demo's are), which policy_create, refusing a start
    # in the past, cannot write: the rows are written the way it writes them, audited.
    for place, mode, since, prefix in (
        (county.county, Mode.APPROVAL, 30, "测试复工"),
        (county.place(2), Mode.RECORD, 10, ""),
        (county.place(3), Mode.COMMITMENT, 10, ""),
    ):
        audited_create(
            ResumptionPolicy,
            actor=ACTOR,
            jurisdiction=place,
            mode=mode,
            effective_from=days(-since),
            notice_prefix=prefix,
        )
    services.rule_set(
        actor=county["w_county_cmd"],
        jurisdiction=county.county,
        code=RuleCode.EARLIEST_DATE,
        enabled=True,
        params={"date": days(7).isoformat(), "early_needs_county": True},
    )
    for town in (1, 3):
        office = county.office_of(town, OfficeKind.FOOD_SAFETY)
        county.users[f"w_t{town}_sab"] = person(f"w_t{town}_sab", Role.REVIEWER, office=office)
    safety2 = county.office_of(2, OfficeKind.SAFETY)
    county.users["w_t2_ajb"] = person("w_t2_ajb", Role.REVIEWER, office=safety2)
    county.office_of(0, OfficeKind.SME_CENTRE)
    county.office_of(0, OfficeKind.INDUSTRY)
    park = add_park(county, 1)
    registry.park = park
    casts = Casts(registry=registry)
    for which in _plans(park):
        add_cast(casts, which)
    return casts


def add_approval_town(casts: Casts, name: str = "approval_town4") -> Cast:
    """One more town (``add_town``: town 4 after ``build_casts``' three) with no policy of its
    own, so it works in the county's approval mode, and ``casts[name]``: an enterprise of that
    town below the limit, which the town's economy office (``w_t<n>_jmb``) alone reviews, with a
    user ``w_<name>_ent`` and an assigned cadre ``w_<name>_cadre`` of its own."""
    county = casts.county
    town = add_town(county)
    n = len(county.towns)
    enterprise = add_enterprise(county, n, jurisdiction=town, category=Category.BELOW_LIMIT)
    user = person(f"w_{name}_ent", Role.ENTERPRISE, enterprise=enterprise)
    inspector = add_cadre(county, n, f"w_{name}_cadre")
    assignment_create(actor=ACTOR, enterprise=enterprise, user=inspector)
    casts.casts[name] = Cast(
        enterprise=user,
        reviewer=county[f"w_t{n}_jmb"],
        second=None,
        other_reviewer=county[f"w_t{n}_ajb"],
        inspector=inspector,
        town_cmd=county[f"w_t{n}_cmd"],
        county_cmd=county["w_county_cmd"],
    )
    return casts.casts[name]
