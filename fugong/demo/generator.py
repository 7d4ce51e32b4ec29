"""The demo county: a fictitious county with towns, streets, villages, communities, grids,
the offices of MISSION §1, users for every role, parks and enterprises.

Deterministic: the same ``scale`` and ``seed`` always give the same data. The tests build
their data with this generator, so what the demo shows is what the tests prove.
Later capabilities extend it by adding steps (see ``DemoBuilder.steps``).
"""

from __future__ import annotations

import itertools
import random
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from fugong.accounts import services as account_services
from fugong.accounts.choices import CadreTitle, Level, OfficeKind, Role
from fugong.accounts.models import Jurisdiction, Office, User
from fugong.demo import enterprises as demo_enterprises
from fugong.enterprises import services as enterprise_services
from fugong.enterprises.choices import TIER_LEADER, Category, Duty, Post
from fugong.enterprises.industries import load_industries
from fugong.enterprises.models import Enterprise, Industry, Park
from fugong.resumption.models import Filing
from fugong.resumption.policy import Router
from fugong.stats import tally
from fugong.stats.models import Snapshot

ACTOR = "seed-demo"


@dataclass(frozen=True)
class Scale:
    counties: int
    towns: int  # towns and streets per county (≥ 8)
    villages: int  # villages / communities per town
    grids: int  # grids per village
    enterprises: int  # in all; streets hold more than towns
    filings_per_town: int  # resumption filings made through the services


SCALES = {
    "small": Scale(counties=1, towns=8, villages=2, grids=1, enterprises=48, filings_per_town=4),
    # seed 002: 5,014 enterprises in one town of Minhang; a county of this size has ~5,000.
    "county": Scale(
        counties=1, towns=12, villages=8, grids=3, enterprises=5000, filings_per_town=40
    ),
    "city": Scale(
        counties=6, towns=12, villages=8, grids=3, enterprises=100_000, filings_per_town=40
    ),
}

PROVINCE = ("330000", "浙江省")
CITY = ("339800", "禾州市")
COUNTIES = [
    ("339821", "青溪县"),
    ("339822", "云岭县"),
    ("339823", "丰源县"),
    ("339824", "临湖县"),
    ("339825", "安澜县"),
    ("339826", "嘉禾县"),
]
# (suffix of the 9-digit code, name, level): streets 001-099, towns 100-199, as in the
# statistical division codes.
TOWNS = [
    ("001", "城关街道", Level.STREET),
    ("002", "东湖街道", Level.STREET),
    ("003", "西山街道", Level.STREET),
    ("101", "南浦镇", Level.TOWN),
    ("102", "北岭镇", Level.TOWN),
    ("103", "桃源镇", Level.TOWN),
    ("104", "石门镇", Level.TOWN),
    ("105", "清水镇", Level.TOWN),
    ("106", "新塘镇", Level.TOWN),
    ("107", "白沙镇", Level.TOWN),
    ("108", "龙泉镇", Level.TOWN),
    ("109", "梅林镇", Level.TOWN),
]
PLACE_WORDS = [
    "和平",
    "光明",
    "幸福",
    "团结",
    "新华",
    "红星",
    "联合",
    "永安",
    "长丰",
    "富民",
    "兴旺",
    "金桥",
    "银湖",
    "翠竹",
    "青松",
    "双溪",
]
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗")
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀",
    "霞",
    "平",
    "刚",
    "桂",
]

COUNTY_OFFICES = [
    (OfficeKind.COMMAND, "疫情防控和复工复产指挥部", Role.COMMAND, "cmd"),
    (OfficeKind.INDUSTRY, "经济和信息化局", Role.REVIEWER, "gxj"),
    (OfficeKind.SME_CENTRE, "中小企业服务中心", Role.REVIEWER, "zxqy"),
    (OfficeKind.EMERGENCY, "应急管理局", Role.REVIEWER, "yjj"),
    (OfficeKind.HR, "人力资源和社会保障局", Role.DEPARTMENT, "rsj"),
    (OfficeKind.TRANSPORT, "交通运输局", Role.DEPARTMENT, "jtj"),
    (OfficeKind.FINANCE, "金融工作办公室", Role.DEPARTMENT, "jrb"),
    (OfficeKind.HEALTH, "卫生健康局", Role.DEPARTMENT, "wjj"),
    (OfficeKind.POWER, "供电公司", Role.DEPARTMENT, "gdgs"),
    (OfficeKind.MARKET, "市场监督管理局", Role.DEPARTMENT, "scjgj"),
]
TOWN_OFFICES = [
    (OfficeKind.COMMAND, "复工复产工作领导小组办公室", Role.COMMAND, "cmd"),
    (OfficeKind.ECONOMY, "经贸办", Role.REVIEWER, "jmb"),
    (OfficeKind.SAFETY, "安监办", Role.REVIEWER, "ajb"),
    (OfficeKind.CONSTRUCTION, "工程办", Role.REVIEWER, "gcb"),
    (OfficeKind.FOOD_SAFETY, "食安办", Role.REVIEWER, "sab"),
]


@dataclass
class DemoAccount:
    username: str
    role: str
    where: str


@dataclass
class DemoResult:
    password: str
    password_generated: bool
    accounts: list[DemoAccount] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def generate_password() -> str:
    """A password that satisfies the password rules (letters and digits, at least 12
    characters, hard to guess). It grows a character every few refusals, so a site whose rules
    ask for more (FUGONG_PASSWORD_MIN_LENGTH=16) gets a longer one instead of a loop that never
    ends."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    alphabet = string.ascii_letters + string.digits
    for attempt in itertools.count():
        word = "".join(secrets.choice(alphabet) for _ in range(12 + attempt // 10))
        try:
            validate_password(word)
        except ValidationError:
            continue
        return word
    raise AssertionError("unreachable")  # pragma: no cover


class DemoBuilder:
    def __init__(self, *, scale: str = "small", seed: int = 1, password: str | None = None):
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
        self.scale_name = scale
        self.scale = SCALES[scale]
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        generated = password is None
        self.result = DemoResult(
            password=password or generate_password(), password_generated=generated
        )
        self.password_hash = make_password(self.result.password)
        self.counties: list[Jurisdiction] = []
        self.towns: list[Jurisdiction] = []
        self.villages: dict[int, list[Jurisdiction]] = {}
        self.grids: dict[int, list[Jurisdiction]] = {}
        self.offices: dict[tuple[int, str], Office] = {}
        self.parks: dict[int, Park] = {}
        self.enterprises: dict[int, list[Enterprise]] = {}
        self.used_codes: set[str] = set()
        self.used_names: set[str] = set()
        self.steps: list[Callable[[], None]] = [
            self.build_jurisdictions,
            self.build_offices,
            self.build_parks,
            self.build_enterprises,
            self.build_users,
            self.build_filings,
            self.build_history,
        ]

    # -- helpers -------------------------------------------------------------------------
    def person_name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN) + self.rng.choice(["", *GIVEN])

    def phone(self) -> str:
        return (
            "1"
            + self.rng.choice("3589")
            + "".join(self.rng.choice(string.digits) for _ in range(9))
        )

    def node(self, code: str, name: str, level: str, parent: Jurisdiction | None) -> Jurisdiction:
        return account_services.jurisdiction_create(
            actor=ACTOR, code=code, name=name, level=level, parent=parent
        )

    def user(
        self, username: str, role: str, where: str, *, listed: bool = True, **membership
    ) -> User:
        user = account_services.user_create(
            actor=ACTOR,
            username=username,
            password=None,
            full_name=self.person_name(),
            phone=self.phone(),
        )
        User.objects.filter(pk=user.pk).update(password=self.password_hash)
        title = membership.pop("title", "")
        account_services.membership_create(
            actor=ACTOR, user=user, role=role, title=title, **membership
        )
        if listed:
            self.result.accounts.append(DemoAccount(username, role, where))
        return user

    # -- steps ---------------------------------------------------------------------------
    def build_jurisdictions(self) -> None:
        province = self.node(*PROVINCE, Level.PROVINCE, None)
        city = self.node(*CITY, Level.CITY, province)
        for code, name in COUNTIES[: self.scale.counties]:
            county = self.node(code, name, Level.COUNTY, city)
            self.counties.append(county)
            for t_code, t_name, t_level in TOWNS[: self.scale.towns]:
                town = self.node(code + t_code, t_name, t_level, county)
                self.towns.append(town)
                self.villages[town.pk] = []
                for v in range(1, self.scale.villages + 1):
                    street = t_level == Level.STREET
                    # Communities 001-199, villages 200-399 (statistical code convention).
                    is_community = street or v == 1
                    v_code = f"{v:03d}" if is_community else f"{200 + v:03d}"
                    word = PLACE_WORDS[(v - 1) % len(PLACE_WORDS)]
                    v_name = f"{word}社区" if is_community else f"{word}村"
                    level = Level.COMMUNITY if is_community else Level.VILLAGE
                    village = self.node(town.code + v_code, v_name, level, town)
                    self.villages[town.pk].append(village)
                    self.grids[village.pk] = [
                        self.node(
                            village.code + f"{g:03d}", f"{v_name}第{g}网格", Level.GRID, village
                        )
                        for g in range(1, self.scale.grids + 1)
                    ]

    def build_offices(self) -> None:
        for county in self.counties:
            for kind, name, _role, _slug in COUNTY_OFFICES:
                self.offices[(county.pk, kind)] = account_services.office_create(
                    actor=ACTOR, name=county.name + name, kind=kind, jurisdiction=county
                )
        for town in self.towns:
            for kind, name, _role, _slug in TOWN_OFFICES:
                self.offices[(town.pk, kind)] = account_services.office_create(
                    actor=ACTOR, name=town.name + name, kind=kind, jurisdiction=town
                )
            for village in self.villages[town.pk]:
                if village.level == Level.COMMUNITY:
                    self.offices[(village.pk, OfficeKind.RESIDENTS)] = (
                        account_services.office_create(
                            actor=ACTOR,
                            name=village.name + "居民委员会",
                            kind=OfficeKind.RESIDENTS,
                            jurisdiction=village,
                        )
                    )

    def build_parks(self) -> None:
        for town in self.towns:
            if town.level != Level.STREET:
                continue
            operator = account_services.office_create(
                actor=ACTOR,
                name=town.name[:2] + "科创园运营公司",
                kind=OfficeKind.PARK_OPERATOR,
                jurisdiction=town,
            )
            self.offices[(town.pk, OfficeKind.PARK_OPERATOR)] = operator
            self.parks[town.pk] = enterprise_services.park_create(
                actor=ACTOR, name=town.name[:2] + "科创园", jurisdiction=town, operator=operator
            )

    def build_enterprises(self) -> None:
        """Enterprises spread over the villages (streets hold more), written through the
        registry's bulk upsert, then routed to their reviewing offices."""
        load_industries(Industry)  # reference data (gone after a test database is flushed)
        industries = {i.code: i for i in Industry.objects.select_related("parent")}
        names = demo_enterprises.NameMaker(self.rng)
        weights = [3 if t.level == Level.STREET else 2 for t in self.towns]
        per_town = _spread(self.scale.enterprises, weights)
        rows: list[dict] = []
        places: list[tuple[Jurisdiction, Jurisdiction, str, dict]] = []
        for town, count in zip(self.towns, per_town, strict=True):
            county = town.parent
            street = town.level == Level.STREET
            villages = self.villages[town.pk]
            for i in range(count):
                village = villages[i % len(villages)]
                # Every park has tenants: a street's first enterprise is in its park.
                profile = (
                    demo_enterprises.PARK_PROFILE
                    if street and i == 0
                    else demo_enterprises.pick_profile(self.rng, street=street)
                )
                values = demo_enterprises.enterprise_values(self.rng, profile)
                division = values.pop("division")
                code = demo_enterprises.credit_code(self.rng, county.code)
                while code in self.used_codes:
                    code = demo_enterprises.credit_code(self.rng, county.code)
                self.used_codes.add(code)
                row = {
                    "name": names.make(profile, division, county=county.name, town=town.name),
                    "credit_code": code,
                    "jurisdiction": self.rng.choice(self.grids[village.pk]),
                    "park": self.parks.get(town.pk)
                    if profile.category == Category.BUILDING_PARK
                    else None,
                    "address": f"{county.name}{town.name}{village.name}{self.rng.randint(1, 300)}号",
                    "legal_representative": self.person_name(),
                    "contact_name": self.person_name(),
                    "contact_phone": self.phone(),
                    "industry": industries[division],
                    **values,
                }
                if profile.stated:
                    row.update(
                        category=profile.category,
                        category_stated=True,
                        category_override_reason="演示数据:由办公室认定",
                    )
                rows.append(row)
                places.append((town, village, profile.category, {**values, "division": division}))
        result = enterprise_services.enterprises_upsert(actor=ACTOR, rows=rows, reason="demo")
        by_id = Enterprise.objects.in_bulk(list(result.created.values()))
        made = [by_id[result.created[row["credit_code"]]] for row in rows]
        # Reviewing offices by the routing table (seed 004's street table by default).
        from fugong.demo.filings import ensure_defaults

        ensure_defaults()
        router = Router()
        routes = {}
        for enterprise, (town, _village, _category, _values) in zip(made, places, strict=True):
            self.enterprises.setdefault(town.pk, []).append(enterprise)
        for enterprise in Enterprise.objects.filter(pk__in=[e.pk for e in made]).select_related(
            "jurisdiction", "industry", "park__operator"
        ):
            routes[enterprise] = router.route(enterprise)
        enterprise_services.enterprise_routes_bulk_add(actor=ACTOR, routes=routes, reason="demo")

    def build_users(self) -> None:
        admin = self.user("admin", Role.PLATFORM_ADMIN, "全平台")
        # The platform administrator also manages set-up data in the admin site.
        account_services.user_update(actor=ACTOR, user=admin, is_staff=True, is_superuser=True)
        for c, county in enumerate(self.counties, start=1):
            prefix = "county" if len(self.counties) == 1 else f"county{c:02d}"
            for kind, _name, role, slug in COUNTY_OFFICES:
                office = self.offices[(county.pk, kind)]
                if role == Role.COMMAND:
                    self.user(
                        f"{prefix}_{slug}", role, office.name, jurisdiction=county, office=office
                    )
                else:
                    self.user(f"{prefix}_{slug}", role, office.name, office=office)
        for t, town in enumerate(self.towns, start=1):
            prefix = f"town{t:02d}"
            listed = t <= 2 and town.path.startswith(self.counties[0].path)
            for kind, _name, role, slug in TOWN_OFFICES:
                office = self.offices[(town.pk, kind)]
                extra = {"jurisdiction": town} if role == Role.COMMAND else {}
                self.user(
                    f"{prefix}_{slug}", role, office.name, listed=listed, office=office, **extra
                )
            first_village = self.villages[town.pk][0]
            residents = self.offices.get((first_village.pk, OfficeKind.RESIDENTS))
            if residents is not None:
                self.user(
                    f"{prefix}_sq", Role.REVIEWER, residents.name, listed=listed, office=residents
                )
            grid = self.grids[first_village.pk][0]
            self.user(
                f"{prefix}_grid",
                Role.CADRE,
                grid.name,
                listed=listed,
                jurisdiction=grid,
                title=CadreTitle.GRID_CHIEF,
            )
            self.assign(town, prefix, listed)
            enterprises = self.enterprises.get(town.pk, [])
            park_office = self.offices.get((town.pk, OfficeKind.PARK_OPERATOR))
            if park_office is not None:
                self.user(
                    f"{prefix}_park",
                    Role.PARK_OPERATOR,
                    park_office.name,
                    listed=listed,
                    office=park_office,
                )
            for e, enterprise in enumerate(enterprises[:2], start=1):
                self.user(
                    f"{prefix}_ent{e}",
                    Role.ENTERPRISE,
                    enterprise.name,
                    listed=listed and e == 1,
                    enterprise=enterprise,
                )
            self.user(
                f"{prefix}_emp1",
                Role.EMPLOYEE,
                enterprises[0].name,
                listed=listed,
                enterprise=enterprises[0],
            )

    def assign(self, town: Jurisdiction, prefix: str, listed: bool) -> None:
        """包保: every enterprise gets a cadre on post A (a few stay unassigned, as in real
        ledgers before the check "不漏一户、不落一企"), some a second cadre on post B;
        tiered enterprises get the leader their tier names (seed 003)."""
        enterprises = self.enterprises.get(town.pk, [])
        # Cadres and leaders belong to the town government (its command office).
        town_office = self.offices[(town.pk, OfficeKind.COMMAND)]
        cadres = [
            self.user(
                f"{prefix}_cadre" + (str(n) if n > 1 else ""),
                Role.CADRE,
                town.name,
                listed=listed and n == 1,
                title=CadreTitle.CADRE,
                office=town_office,
            )
            for n in range(1, max(2, len(enterprises) // 40) + 1)
        ]
        leaders = {
            Duty.MAIN_LEADER: self.user(
                f"{prefix}_leader",
                Role.CADRE,
                town.name,
                listed=False,
                title=CadreTitle.CADRE,
                office=town_office,
            ),
            Duty.DEPUTY_LEADER: self.user(
                f"{prefix}_deputy",
                Role.CADRE,
                town.name,
                listed=False,
                title=CadreTitle.CADRE,
                office=town_office,
            ),
        }
        county = town.parent
        department = User.objects.filter(
            memberships__office=self.offices[(county.pk, OfficeKind.INDUSTRY)]
        ).first()
        sme = User.objects.filter(
            memberships__office=self.offices[(county.pk, OfficeKind.SME_CENTRE)]
        ).first()
        items = []
        for i, enterprise in enumerate(enterprises):
            unassigned = self.rng.random() < 0.02 or i == len(enterprises) - 1
            if not unassigned:
                items.append((enterprise, cadres[i % len(cadres)], Duty.CADRE, Post.A))
                if self.rng.random() < 0.2 and len(cadres) > 1:
                    items.append((enterprise, cadres[(i + 1) % len(cadres)], Duty.LIAISON, Post.B))
            duty = TIER_LEADER.get(enterprise.tier)
            person = {
                Duty.MAIN_LEADER: leaders[Duty.MAIN_LEADER],
                Duty.DEPUTY_LEADER: leaders[Duty.DEPUTY_LEADER],
                Duty.INDUSTRY_DEPARTMENT: department,
                Duty.DEPARTMENT_DEPUTY: sme,
            }.get(duty)
            if duty and person and not unassigned:
                items.append((enterprise, person, duty, Post.A))
        enterprise_services.assignments_bulk_insert(actor=ACTOR, items=items, reason="demo")

    def build_filings(self) -> None:
        from fugong.demo.filings import build_filings

        build_filings(self)

    def build_history(self) -> None:
        from fugong.demo.history import build_history

        build_history(self)

    def build(self) -> DemoResult:
        with transaction.atomic():
            for step in self.steps:
                step()
        tally.compact()  # the triggers wrote a row per unit and ancestor; fold them
        self.result.counts = {
            "jurisdictions": Jurisdiction.objects.count(),
            "offices": Office.objects.count(),
            "users": User.objects.count(),
            "enterprises": Enterprise.objects.count(),
            "filings": Filing.objects.count(),
            "daily snapshots": Snapshot.objects.count(),
        }
        return self.result


def _spread(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` over buckets in proportion to ``weights``, exactly."""
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[
        : total - sum(counts)
    ]:
        counts[i] += 1
    return counts


def load_demo(*, scale: str = "small", seed: int = 1, password: str | None = None) -> DemoResult:
    return DemoBuilder(scale=scale, seed=seed, password=password).build()


def demo_loaded() -> bool:
    return Jurisdiction.objects.exists()
