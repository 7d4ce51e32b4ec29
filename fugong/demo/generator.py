"""The demo county: a fictitious county with towns, streets, villages, communities, grids,
the offices of MISSION §1, users for every role, parks and enterprises.

Deterministic: the same ``scale`` and ``seed`` always give the same data. The tests build
their data with this generator, so what the demo shows is what the tests prove.
Each app contributes its steps (``registry.add_demo_step`` in its ``AppConfig.ready``; the
step code lives in the app, e.g. ``fugong/enterprises/demo.py``); this runner orders them by
what each runs after and keeps the state they share (``DemoBuilder``). It is the top
composition layer and may import every app: the people of every role are made here, since
one person joins an office, an enterprise and its 包保 assignment at once.
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
from django.utils.module_loading import import_string

from fugong.accounts import services as account_services
from fugong.accounts.choices import CadreTitle, OfficeKind, Role
from fugong.accounts.demo import COUNTY_OFFICES, TOWN_OFFICES
from fugong.accounts.models import Jurisdiction, Office, User
from fugong.core import registry
from fugong.enterprises import services as enterprise_services
from fugong.enterprises.choices import TIER_LEADER, Duty, Post
from fugong.enterprises.models import Enterprise, Park
from fugong.resumption.models import Filing
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
        # The apps' steps (registry.add_demo_step), each as ``build_<name>()``.
        self.steps: list[Callable[[], None]] = [self._bound(s) for s in registry.demo_steps()]

    def _bound(self, step: registry.DemoStep) -> Callable[[], None]:
        run = import_string(step.run) if isinstance(step.run, str) else step.run

        def build() -> None:
            run(self)

        build.__name__ = f"build_{step.name}"
        return build

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
    def build_users(self) -> None:
        """People of every role: they belong to the offices (accounts), the enterprises and the
        包保 assignments (enterprises) at once, so the runner makes them, in one pass per town."""
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


def load_demo(*, scale: str = "small", seed: int = 1, password: str | None = None) -> DemoResult:
    return DemoBuilder(scale=scale, seed=seed, password=password).build()


def demo_loaded() -> bool:
    return Jurisdiction.objects.exists()
