"""The demo county's buses: charter batches bringing workers back from 贵州, 河南 and 四川
(organised by enterprises and by the county's transport bureau), and commuter buses with an
issued letter, riders and a disinfection log. Built through the services, as their users would
(the roster entries of the riders of arrived batches then say so)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from fugong.accounts.choices import OfficeKind, Role
from fugong.accounts.models import Membership
from fugong.buses import services
from fugong.buses.choices import BusStatus
from fugong.workforce.models import Employee

# (origin code, origin name, plate, cost, subsidy, days from today: departure, arrival,
# steps taken)
BATCHES = [
    ("520302", "贵州省遵义市红花岗区", "贵C·A8812", "16800", "12000", -6, -5, ("depart", "arrive")),
    ("411600", "河南省周口市", "豫P·3Q271", "9800", "5000", 0, 1, ("depart",)),
    ("510107", "四川省成都市武侯区", "川A·7H520", "14500", "10000", 3, 4, ()),
]
# The transport bureau's batches for several enterprises of the county.
OFFICE_BATCHES = [
    ("511722", "四川省达州市宣汉县", "川S·2K661", "21000", "21000", -4, -3, ("depart", "arrive")),
    ("520000", "贵州省", "贵A·5T003", "18000", "15000", 5, 6, ()),
]
STOPS = [
    [("青溪花园东门", "07:05"), ("镇政府", "07:20"), ("工业园区北门", "07:40")],
    [("火车站广场", "07:00"), ("城南小区", "07:15"), ("园区一路", "07:35")],
]


def _name(rng) -> str:
    return rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(["师傅", "建国", "红梅", "志强", "海燕"])


def _phone(rng) -> str:
    return "139" + "".join(rng.choice("0123456789") for _ in range(8))


def _user(role, **where):
    m = (
        Membership.objects.filter(role=role, is_active=True, **where)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return m.user if m else None


def _day(offset: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=offset)


def _batch(actor, organiser: dict, row, employees) -> None:
    code, name, plate, cost, subsidy, dep, arr, steps = row
    batch = services.batch_create(
        actor=actor, **organiser, origin_region=code, origin_name=name, departs_on=_day(dep),
        arrives_on=_day(arr), seats=45, plate=plate, cost=Decimal(cost),
        subsidy=Decimal(subsidy), title="", note="",
    )  # fmt: skip
    services.passengers_add(actor=actor, batch=batch, employee_ids=[e.pk for e in employees])
    for action in steps:
        batch = services.batch_step(actor=actor, batch=batch, action=action)


def build_buses(b) -> None:
    # Random numbers of its own: the builder's generator stays as it was for the steps after
    # this one (their data does not change because buses were added).
    rng = random.Random(17)  # noqa: S311 - demo data
    with_roster = [
        e
        for e in {
            m.enterprise for m in Membership.objects.filter(role=Role.ENTERPRISE, is_active=True)
        }
        if Employee.objects.filter(enterprise=e).exists()
    ]
    with_roster.sort(key=lambda e: e.pk)
    taken: set[int] = set()

    def people(enterprise, n):
        chosen = list(
            Employee.objects.filter(enterprise=enterprise)
            .exclude(pk__in=taken)
            .exclude(user__isnull=False)
            .order_by("pk")[:n]
        )
        taken.update(e.pk for e in chosen)
        return chosen

    for enterprise, row in zip(with_roster, BATCHES, strict=False):
        actor = _user(Role.ENTERPRISE, enterprise=enterprise)
        _batch(actor, {"enterprise": enterprise}, row, people(enterprise, 3))
    for county in b.counties:
        office = b.offices.get((county.pk, OfficeKind.TRANSPORT))
        actor = office and _user(Role.DEPARTMENT, office=office)
        if actor is None:
            continue
        local = [e for e in with_roster if e.jurisdiction.path.startswith(county.path)]
        for row in OFFICE_BATCHES:
            riders = [p for e in local[3:6] for p in people(e, 2)]
            _batch(actor, {"office": office}, row, riders)
    for enterprise, stops in zip(with_roster[:2], STOPS, strict=False):
        _commuter(enterprise, stops, rng)


def _commuter(enterprise, stops, rng) -> None:
    actor = _user(Role.ENTERPRISE, enterprise=enterprise)
    bus = services.bus_save(
        actor=actor, enterprise=enterprise, plate=f"浙A·{rng.randrange(10000, 99999)}", seats=33,
        driver_name=_name(rng), driver_phone=_phone(rng),
        route_name=f"{stops[0][0]}—{stops[-1][0]}", status=BusStatus.ACTIVE,
        stops=[(name, datetime.time.fromisoformat(t)) for name, t in stops],
    )  # fmt: skip
    stop_rows = list(bus.stops.order_by("position"))
    for i, employee in enumerate(Employee.objects.filter(enterprise=enterprise).order_by("pk")[:6]):
        services.rider_set(
            actor=actor, bus=bus, employee=employee, stop=stop_rows[i % len(stop_rows)]
        )
    now = timezone.localtime()
    for days in (0, 1, 2, 4, 5):  # not the day before yesterday: a gap the ledger shows
        services.disinfection_add(
            actor=actor, bus=bus, at=min(now, (now - datetime.timedelta(days=days)).replace(hour=6, minute=30)),
            disinfectant="84消毒液 1:100", done_by=_name(rng), note="车厢、扶手、座椅",
        )  # fmt: skip
    letter = services.letter_create(actor=actor, bus=bus, valid_from=_day(-7), valid_until=_day(83))
    if letter.needs_approval:
        letter = services.letter_step(actor=actor, letter=letter, action="submit")
        reviewer = (
            _user(Role.REVIEWER, office=letter.office)
            if letter.office
            else _user(Role.COMMAND, jurisdiction=letter.jurisdiction)
        )
        services.letter_step(actor=reviewer or "seed-demo", letter=letter, action="approve")
    else:
        services.letter_step(actor=actor, letter=letter, action="issue")
