"""Small places and people for tests, built through the real services (``fugong.core.testing``
holds the checks). ``build_county()`` makes a county of its own, apart from the demo county,
with two towns, their offices and one user of each role; its codes (99…) and user names
(``w_…``) are not the demo's, so tests on it never read demo rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from fugong.accounts import services
from fugong.accounts.choices import CadreTitle, Level, OfficeKind, Role
from fugong.accounts.models import Jurisdiction, Office, User
from fugong.core.testing import TEST_PASSWORD

ACTOR = "test-builder"


@dataclass
class County:
    county: Jurisdiction
    towns: list[Jurisdiction]
    grid: Jurisdiction  # in the first town
    offices: dict[tuple[int, str], Office] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def office(self, town: int, kind: str) -> Office:
        """Town ``town``'s office of ``kind`` (town 0: the county's)."""
        return self.offices[(self.place(town).pk, kind)]

    def __getitem__(self, username: str) -> User:
        """The user, without the data scope an earlier test may have left cached on it
        (core.scope keeps one on the user object; the class's tests share the objects)."""
        user = self.users[username]
        user.__dict__.pop("_fugong_scope", None)
        return user

    def place(self, town: int) -> Jurisdiction:
        """Town ``town`` (town 0: the county)."""
        return self.county if town == 0 else self.towns[town - 1]

    def office_of(self, town: int, kind: str) -> Office:
        """Town ``town``'s office of ``kind``, made on first use when the county has none."""
        place = self.place(town)
        if (place.pk, kind) not in self.offices:
            self.offices[(place.pk, kind)] = services.office_create(
                actor=ACTOR, name=f"{place.name}{kind}", kind=kind, jurisdiction=place
            )
        return self.offices[(place.pk, kind)]

    def fresh(self, username: str) -> User:
        """``username`` read again: no data scope cached from an earlier test (core.scope keeps
        one on the user object) and memberships as the database has them now."""
        return User.objects.get(pk=self.users[username].pk)


def person(username: str, role: str | None = None, **membership) -> User:
    """A user who signs in with ``TEST_PASSWORD``, with one membership when ``role`` is given."""
    user = services.user_create(
        actor=ACTOR,
        username=username,
        password=TEST_PASSWORD,
        full_name=username,
        check_password=False,
    )
    if role:
        services.membership_create(actor=ACTOR, user=user, role=role, **membership)
    return user


def build_county(code: str = "999901") -> County:
    """A county (under its own province and city) with two towns, a village and a grid in the
    first, a command office and reviewing offices in each place, and these users:
    ``w_admin`` (platform admin), ``w_county_cmd``, ``w_county_rsj`` (department),
    ``w_t1_cmd``, ``w_t2_cmd``, ``w_t1_jmb``, ``w_t2_jmb`` (economy office reviewers),
    ``w_t1_ajb`` (safety), ``w_t1_cadre``, ``w_t1_grid`` (grid chief)."""
    province = services.jurisdiction_create(
        actor=ACTOR, code=code[:2] + "0000", name="测试省", level=Level.PROVINCE, parent=None
    )
    city = services.jurisdiction_create(
        actor=ACTOR, code=code[:4] + "00", name="测试市", level=Level.CITY, parent=province
    )
    county = services.jurisdiction_create(
        actor=ACTOR, code=code, name="测试县", level=Level.COUNTY, parent=city
    )
    towns = [
        services.jurisdiction_create(
            actor=ACTOR, code=f"{code}{n:03d}", name=f"测试{n}镇", level=Level.TOWN, parent=county
        )
        for n in (1, 2)
    ]
    village = services.jurisdiction_create(
        actor=ACTOR, code=towns[0].code + "201", name="测试村", level=Level.VILLAGE, parent=towns[0]
    )
    grid = services.jurisdiction_create(
        actor=ACTOR, code=village.code + "001", name="测试网格", level=Level.GRID, parent=village
    )
    world = County(county=county, towns=towns, grid=grid)
    kinds = {county: [OfficeKind.COMMAND, OfficeKind.HR]}
    for town in towns:
        kinds[town] = [OfficeKind.COMMAND, OfficeKind.ECONOMY, OfficeKind.SAFETY]
    for place, place_kinds in kinds.items():
        for kind in place_kinds:
            world.offices[(place.pk, kind)] = services.office_create(
                actor=ACTOR, name=f"{place.name}{kind}", kind=kind, jurisdiction=place
            )
    admin = person("w_admin", Role.PLATFORM_ADMIN)
    services.user_update(actor=ACTOR, user=admin, is_staff=True, is_superuser=True)
    people = {
        "w_admin": admin,
        "w_county_cmd": person(
            "w_county_cmd",
            Role.COMMAND,
            jurisdiction=county,
            office=world.office(0, OfficeKind.COMMAND),
        ),
        "w_county_rsj": person(
            "w_county_rsj", Role.DEPARTMENT, office=world.office(0, OfficeKind.HR)
        ),
        "w_t1_cadre": person(
            "w_t1_cadre",
            Role.CADRE,
            title=CadreTitle.CADRE,
            office=world.office(1, OfficeKind.COMMAND),
        ),
        "w_t1_grid": person(
            "w_t1_grid", Role.CADRE, title=CadreTitle.GRID_CHIEF, jurisdiction=grid
        ),
        "w_t1_ajb": person("w_t1_ajb", Role.REVIEWER, office=world.office(1, OfficeKind.SAFETY)),
    }
    for n, town in enumerate(towns, start=1):
        people[f"w_t{n}_cmd"] = person(
            f"w_t{n}_cmd",
            Role.COMMAND,
            jurisdiction=town,
            office=world.office(n, OfficeKind.COMMAND),
        )
        people[f"w_t{n}_jmb"] = person(
            f"w_t{n}_jmb", Role.REVIEWER, office=world.office(n, OfficeKind.ECONOMY)
        )
    world.users.update(people)
    return world


def add_town(county: County) -> Jurisdiction:
    """One more town of ``county`` (town ``n``, the next number), with a command, an economy
    and a safety office and the users ``w_t<n>_cmd``, ``w_t<n>_jmb``, ``w_t<n>_ajb``."""
    n = len(county.towns) + 1
    town = services.jurisdiction_create(
        actor=ACTOR,
        code=f"{county.county.code}{n:03d}",
        name=f"测试{n}镇",
        level=Level.TOWN,
        parent=county.county,
    )
    county.towns.append(town)
    for username, role, kind in (
        (f"w_t{n}_cmd", Role.COMMAND, OfficeKind.COMMAND),
        (f"w_t{n}_jmb", Role.REVIEWER, OfficeKind.ECONOMY),
        (f"w_t{n}_ajb", Role.REVIEWER, OfficeKind.SAFETY),
    ):
        office = county.office_of(n, kind)
        extra = {"jurisdiction": town} if role == Role.COMMAND else {}
        county.users[username] = person(username, role, office=office, **extra)
    return town


def add_grid(county: County, town: int) -> Jurisdiction:
    """A village and a grid in town ``town``, with a grid chief ``w_t<town>_grid`` (town 1
    already has one: ``county.grid``)."""
    place = county.place(town)
    village = services.jurisdiction_create(
        actor=ACTOR, code=place.code + "202", name="测试二村", level=Level.VILLAGE, parent=place
    )
    grid = services.jurisdiction_create(
        actor=ACTOR, code=village.code + "001", name="测试二网格", level=Level.GRID, parent=village
    )
    username = f"w_t{town}_grid"
    county.users[username] = person(
        username, Role.CADRE, title=CadreTitle.GRID_CHIEF, jurisdiction=grid
    )
    return grid


def add_cadre(county: County, town: int, username: str) -> User:
    """A cadre of town ``town``'s command office (for 包保 assignments)."""
    county.users[username] = person(
        username,
        Role.CADRE,
        title=CadreTitle.CADRE,
        office=county.office_of(town, OfficeKind.COMMAND),
    )
    return county.users[username]
