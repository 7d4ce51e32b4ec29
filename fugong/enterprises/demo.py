"""The enterprises' steps of the demo county: the parks and the registry (declared in apps.py,
run by fugong.demo; ``b`` is its DemoBuilder)."""

from __future__ import annotations

from fugong.accounts import services as account_services
from fugong.accounts.choices import Level, OfficeKind
from fugong.accounts.models import Jurisdiction
from fugong.enterprises import demo_profiles as demo_enterprises
from fugong.enterprises import services as enterprise_services
from fugong.enterprises.choices import Category
from fugong.enterprises.industries import load_industries
from fugong.enterprises.models import Enterprise, Industry

ACTOR = "seed-demo"


def build_parks(b) -> None:
    for town in b.towns:
        if town.level != Level.STREET:
            continue
        operator = account_services.office_create(
            actor=ACTOR,
            name=town.name[:2] + "科创园运营公司",
            kind=OfficeKind.PARK_OPERATOR,
            jurisdiction=town,
        )
        b.offices[(town.pk, OfficeKind.PARK_OPERATOR)] = operator
        b.parks[town.pk] = enterprise_services.park_create(
            actor=ACTOR, name=town.name[:2] + "科创园", jurisdiction=town, operator=operator
        )


def build_enterprises(b) -> None:
    """Enterprises spread over the villages (streets hold more), written through the
    registry's bulk upsert, then routed to their reviewing offices."""
    load_industries(Industry)  # reference data (gone after a test database is flushed)
    industries = {i.code: i for i in Industry.objects.select_related("parent")}
    names = demo_enterprises.NameMaker(b.rng)
    weights = [3 if t.level == Level.STREET else 2 for t in b.towns]
    per_town = _spread(b.scale.enterprises, weights)
    rows: list[dict] = []
    places: list[tuple[Jurisdiction, Jurisdiction, str, dict]] = []
    for town, count in zip(b.towns, per_town, strict=True):
        county = town.parent
        street = town.level == Level.STREET
        villages = b.villages[town.pk]
        for i in range(count):
            village = villages[i % len(villages)]
            # Every park has tenants: a street's first enterprise is in its park.
            profile = (
                demo_enterprises.PARK_PROFILE
                if street and i == 0
                else demo_enterprises.pick_profile(b.rng, street=street)
            )
            values = demo_enterprises.enterprise_values(b.rng, profile)
            division = values.pop("division")
            code = demo_enterprises.credit_code(b.rng, county.code)
            while code in b.used_codes:
                code = demo_enterprises.credit_code(b.rng, county.code)
            b.used_codes.add(code)
            row = {
                "name": names.make(profile, division, county=county.name, town=town.name),
                "credit_code": code,
                "jurisdiction": b.rng.choice(b.grids[village.pk]),
                "park": b.parks.get(town.pk)
                if profile.category == Category.BUILDING_PARK
                else None,
                "address": f"{county.name}{town.name}{village.name}{b.rng.randint(1, 300)}号",
                "legal_representative": b.person_name(),
                "contact_name": b.person_name(),
                "contact_phone": b.phone(),
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
    for enterprise, (town, _village, _category, _values) in zip(made, places, strict=True):
        b.enterprises.setdefault(town.pk, []).append(enterprise)


def _spread(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` over buckets in proportion to ``weights``, exactly."""
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[
        : total - sum(counts)
    ]:
        counts[i] += 1
    return counts
