"""The accounts' steps of the demo county: the jurisdiction tree and the offices of MISSION §1
(declared in apps.py, run by fugong.demo). Each step takes the runner, ``b``
(fugong.demo.generator.DemoBuilder: its random generator, helpers and the state the steps share)."""

from __future__ import annotations

from fugong.accounts import services as account_services
from fugong.accounts.choices import Level, OfficeKind, Role

ACTOR = "seed-demo"

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


def build_jurisdictions(b) -> None:
    province = b.node(*PROVINCE, Level.PROVINCE, None)
    city = b.node(*CITY, Level.CITY, province)
    for code, name in COUNTIES[: b.scale.counties]:
        county = b.node(code, name, Level.COUNTY, city)
        b.counties.append(county)
        for t_code, t_name, t_level in TOWNS[: b.scale.towns]:
            town = b.node(code + t_code, t_name, t_level, county)
            b.towns.append(town)
            b.villages[town.pk] = []
            for v in range(1, b.scale.villages + 1):
                street = t_level == Level.STREET
                # Communities 001-199, villages 200-399 (statistical code convention).
                is_community = street or v == 1
                v_code = f"{v:03d}" if is_community else f"{200 + v:03d}"
                word = PLACE_WORDS[(v - 1) % len(PLACE_WORDS)]
                v_name = f"{word}社区" if is_community else f"{word}村"
                level = Level.COMMUNITY if is_community else Level.VILLAGE
                village = b.node(town.code + v_code, v_name, level, town)
                b.villages[town.pk].append(village)
                b.grids[village.pk] = [
                    b.node(village.code + f"{g:03d}", f"{v_name}第{g}网格", Level.GRID, village)
                    for g in range(1, b.scale.grids + 1)
                ]


def build_offices(b) -> None:
    for county in b.counties:
        for kind, name, _role, _slug in COUNTY_OFFICES:
            b.offices[(county.pk, kind)] = account_services.office_create(
                actor=ACTOR, name=county.name + name, kind=kind, jurisdiction=county
            )
    for town in b.towns:
        for kind, name, _role, _slug in TOWN_OFFICES:
            b.offices[(town.pk, kind)] = account_services.office_create(
                actor=ACTOR, name=town.name + name, kind=kind, jurisdiction=town
            )
        for village in b.villages[town.pk]:
            if village.level == Level.COMMUNITY:
                b.offices[(village.pk, OfficeKind.RESIDENTS)] = account_services.office_create(
                    actor=ACTOR,
                    name=village.name + "居民委员会",
                    kind=OfficeKind.RESIDENTS,
                    jurisdiction=village,
                )
