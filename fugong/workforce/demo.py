"""The demo county's rosters: a few people in the first enterprises of each town, with valid
ID numbers (the county's code, a birth date, a sequence and the check digit), origins and
return plans as seed 004 sorts them. Written through the model (encrypted like any other)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from stdnum.cn import ric

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.core.crypto import lookup_hash
from fugong.enterprises.models import Enterprise
from fugong.workforce import rules
from fugong.workforce.checkins import ABNORMAL_TENTHS, EXPECTED, current_half
from fugong.workforce.choices import Half, Location, Measure, Origin, Source, Transport, WorkStatus
from fugong.workforce.models import CheckIn, Employee, OriginRule, Person
from fugong.workforce.services import ID_PURPOSE, PHONE_PURPOSE

ORIGINS = [
    (Origin.LOCAL, 10),
    (Origin.CITY, 4),
    (Origin.PROVINCE, 3),
    (Origin.OUT_OF_PROVINCE, 3),
    (Origin.KEY_AREA, 1),
]
STATUSES = [(WorkStatus.AT_WORK, 6), (WorkStatus.NOT_RETURNED, 3), (WorkStatus.OBSERVING, 1)]
PER_ENTERPRISE = 8
ENTERPRISES_PER_TOWN = 3


# Real county codes (where staff come back from; the demo county's code is made up).
REGIONS = ["330106", "340104", "410105", "510107", "420106", "360102", "430102", "110105"]


def id_number(rng) -> str:
    born = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 38))
    body = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum reads the digit's place too


def _pick(rng, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


# The county's rules of seed 004 (from a month ago): 市内区外 14 days' monitoring (binding:
# towns may not add to it), 省内市外 14 days' isolation with the grid chief's approval,
# 省外 and key areas deferred.
DEMO_RULES = [
    (Origin.CITY, Measure.MONITOR, False, True),
    (Origin.PROVINCE, Measure.ISOLATE, True, False),
    (Origin.OUT_OF_PROVINCE, Measure.DEFER, False, False),
    (Origin.KEY_AREA, Measure.DEFER, False, False),
]


def build_rules(b) -> None:
    start = timezone.localdate() - datetime.timedelta(days=30)
    for county in b.counties:
        OriginRule.objects.bulk_create(
            [
                OriginRule(
                    jurisdiction=county,
                    origin=origin,
                    measure=measure,
                    needs_approval=approval,
                    binding=binding,
                    effective_from=start,
                    basis=f"{county.name}疫情防控指挥部关于企业复工复产人员管理的通知",
                )
                for origin, measure, approval, binding in DEMO_RULES
            ]
        )


def build_roster(b) -> None:
    build_rules(b)
    today = timezone.localdate()
    for town in b.towns:
        enterprises = Enterprise.objects.filter(jurisdiction__path__startswith=town.path).order_by(
            "pk"
        )[:ENTERPRISES_PER_TOWN]
        for enterprise in enterprises:
            rows = []
            for _i in range(PER_ENTERPRISE):
                number = id_number(b.rng)
                person, _made = Person.objects.get_or_create(
                    id_hash=lookup_hash(number, ID_PURPOSE),
                    defaults={"name": b.person_name(), "id_number": number},
                )
                origin = _pick(b.rng, ORIGINS)
                phone = b.phone()
                far = origin in (Origin.OUT_OF_PROVINCE, Origin.KEY_AREA)
                rows.append(
                    Employee(
                        enterprise=enterprise,
                        person=person,
                        phone=phone,
                        phone_hash=lookup_hash(phone, PHONE_PURPOSE),
                        origin=origin,
                        travel_14d="途经杭州东站" if far else "",
                        travel_at=timezone.now() if far else None,
                        planned_return=today + datetime.timedelta(days=b.rng.randrange(-7, 10)),
                        transport=Transport.CHARTER_BUS if far else Transport.CAR,
                        transit_hours=b.rng.randrange(1, 20) if far else 1,
                        dormitory=f"{b.rng.randrange(1, 6)}号楼{b.rng.randrange(101, 520)}",
                        work_status=_pick(b.rng, STATUSES),
                    )
                )
            Employee.objects.bulk_create(rows, ignore_conflicts=True)
    # The demo's employee accounts are on their enterprise's roster (my check-in, my pass).
    for m in Membership.objects.filter(role=Role.EMPLOYEE, is_active=True).select_related(
        "user", "enterprise"
    ):
        number = id_number(b.rng)
        person, _made = Person.objects.get_or_create(
            id_hash=lookup_hash(number, ID_PURPOSE),
            defaults={"name": m.user.full_name or m.user.username, "id_number": number},
        )
        Employee.objects.get_or_create(
            enterprise=m.enterprise,
            person=person,
            defaults={
                "user": m.user,
                "origin": Origin.LOCAL,
                "work_status": WorkStatus.AT_WORK,
                "planned_return": today - datetime.timedelta(days=3),
            },
        )
    staff = list(Employee.objects.select_related("enterprise__jurisdiction"))
    rules.save(rules.apply(staff, rules.RuleBook()))
    build_checkins(b, staff)


# Where people checked in from, by their work status.
WHERE = {WorkStatus.AT_WORK: Location.SITE, WorkStatus.OBSERVING: Location.ISOLATION}


def build_checkins(b, staff: list[Employee]) -> None:
    """Yesterday's two check-ins and today's so far for most people expected to check in
    (not the demo's employee accounts: they check in themselves), an abnormal one now and
    then; written as the check-in service stores them."""
    today = timezone.localdate()
    halves = [(today - datetime.timedelta(days=1), Half.MORNING, 95)]
    halves.append((today - datetime.timedelta(days=1), Half.AFTERNOON, 93))
    halves.append((today, Half.MORNING, 85))
    if current_half() == Half.AFTERNOON:
        halves.append((today, Half.AFTERNOON, 60))
    rows = []
    for employee in staff:
        if employee.user_id or employee.work_status not in EXPECTED:
            continue
        for day, half, percent in halves:
            if b.rng.randrange(100) >= percent:
                continue
            tenths = (
                373 + b.rng.randrange(8) if b.rng.randrange(60) == 0 else 360 + b.rng.randrange(10)
            )
            rows.append(
                CheckIn(
                    employee=employee,
                    day=day,
                    half=half,
                    tenths=tenths,
                    location=WHERE.get(employee.work_status, Location.HOME),
                    abnormal=tenths >= ABNORMAL_TENTHS,
                    source=Source.PHONE,
                )
            )
    CheckIn.objects.bulk_create(rows, ignore_conflicts=True)
