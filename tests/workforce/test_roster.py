"""The roster's foundation (issue 13 point 1): the ID number's check digit, one identity per
number across enterprises, the number and the phone encrypted at rest and out of the audit
log, an enterprise never seeing another's staff."""

from __future__ import annotations

import pytest
from django.db import connection
from stdnum.cn import ric

from fugong.core.errors import NotAllowed, UserError
from fugong.core.models import AuditLog
from fugong.core.testing import world_fixtures
from fugong.resumption.testing import add_cast, build_casts
from fugong.workforce import selectors, services
from fugong.workforce.choices import Origin
from fugong.workforce.models import Employee, Person

_built, world = world_fixtures(build_casts, scope="module")

GOOD = "11010519491231002X"  # the check digit is right (GB 11643)
OTHER = "110101199003074514"


def enterprise_of(cast):
    return cast.enterprise.memberships.get().enterprise


def add(cast, number=GOOD, name="张三", **fields):
    return services.employee_create(
        actor=cast.enterprise,
        enterprise=enterprise_of(cast),
        name=name,
        id_number=number,
        phone=fields.pop("phone", "13812345678"),
        origin=fields.pop("origin", Origin.OUT_OF_PROVINCE),
        **fields,
    )


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "id_checksum"),
        ("110105194913310021", "id_component"),  # month 13
        ("990105194912310023", "id_component"),  # no province 99
        ("1101051949123", "id_format"),
        ("", "id_format"),
    ],
)
def test_a_wrong_id_number_is_refused_with_what_is_wrong(number, code):
    with pytest.raises(UserError) as refused:
        services.id_number_clean(number)
    assert refused.value.code == code
    assert "1949123" not in refused.value.message  # the number is shown masked


def test_lower_case_x_and_spaces_are_read():
    assert services.id_number_clean(" 11010519491231002x ") == GOOD
    assert services.id_number_clean("110105 19491231 002X") == GOOD
    assert services.person_name(" 王 五 ") == "王五"
    assert services.person_name("Anna  Lee") == "Anna Lee"


def test_a_person_born_before_their_countys_code_is_read():
    # 330106 (西湖区) dates from 1983 in stdnum's data; a real number of someone born in 1970
    # there is still valid (stdnum's whole validate would refuse it).
    body = "33010619700615123"
    number = body + ric.calc_check_digit(body + "0")
    assert services.id_number_clean(number) == number


def test_one_person_across_enterprises_and_once_per_roster(world):
    a, b = add_cast(world, "approval", "roster_a"), add_cast(world, "record", "roster_b")
    first = add(a)
    second = add(b)
    assert first.person_id == second.person_id and Person.objects.count() >= 1
    with pytest.raises(UserError) as twice:
        add(a)
    assert twice.value.code == "duplicate"
    # The same number under another name is refused without naming the name on file.
    with pytest.raises(UserError) as renamed:
        add(add_cast(world, "approval", "roster_c"), name="李四")
    assert renamed.value.code == "id_name" and "张三" not in renamed.value.message


def test_the_id_number_and_phone_are_encrypted_at_rest_and_not_audited(world):
    c = add_cast(world, "approval", "roster_crypt")
    employee = add(c, number=OTHER, name="王五", phone="13912345678")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id_number, p.id_hash, e.phone FROM workforce_person p "
            "JOIN workforce_employee e ON e.person_id = p.id WHERE e.id = %s",
            [employee.pk],
        )
        id_number, id_hash, phone = cursor.fetchone()
    assert OTHER not in id_number and id_number.startswith("v1.")
    assert "13912345678" not in phone and OTHER not in id_hash
    assert Person.objects.get(pk=employee.person_id).id_number == OTHER  # read back in clear
    assert Employee.objects.get(pk=employee.pk).phone == "13912345678"
    logged = " ".join(
        f"{row.before} {row.after}" for row in AuditLog.objects.filter(object_id=str(employee.pk))
    )
    assert logged and OTHER not in logged and "13912345678" not in logged


def test_an_enterprise_never_sees_another_enterprises_staff(world):
    a, b = (
        add_cast(world, "approval", "roster_scope_a"),
        add_cast(world, "approval", "roster_scope_b"),
    )
    mine = add(a, number="110101199003076210", name="赵六")
    theirs = add(b, number="110101199003078910", name="钱七")
    assert list(selectors.employee_list(user=a.enterprise)) == [mine]
    assert theirs in selectors.employee_list(user=b.enterprise)
    assert mine not in selectors.employee_list(user=b.enterprise)
    # The town's command office sees both; a reviewer of an office sees neither.
    town = set(selectors.employee_list(user=a.town_cmd))
    assert {mine, theirs} <= town
    assert not selectors.employee_list(user=a.reviewer).exists()
    # Nor may an enterprise add to another's roster.
    with pytest.raises(NotAllowed):
        services.employee_create(
            actor=a.enterprise,
            enterprise=enterprise_of(b),
            name="孙八",
            id_number="110101199003079315",
            origin=Origin.LOCAL,
        )


def test_the_demo_rosters_ids_pass_the_check():
    import random

    from fugong.workforce.demo import id_number

    rng = random.Random(3)
    for _ in range(200):
        number = id_number(rng)
        assert services.id_number_clean(number) == number


# -- the pages -----------------------------------------------------------------------------------
def test_the_enterprise_keeps_its_roster_in_pages_and_others_see_it_masked(world, client):
    c = add_cast(world, "approval", "roster_pages")
    client.force_login(c.enterprise)
    answer = client.post(
        "/workforce/new/",
        {
            "name": "周九",
            "id_number": "110105198001011230",  # a wrong check digit
            "phone": "13812340000",
            "origin": Origin.KEY_AREA,
            "work_status": "not_returned",
        },
    )
    assert answer.status_code == 200 and "校验位" in answer.content.decode()
    assert not Employee.objects.filter(person__name="周九").exists()  # nothing half-stored
    answer = client.post(
        "/workforce/new/",
        {
            "name": "周九",
            "id_number": "110105198001011238",
            "phone": "13812340000",
            "origin": Origin.KEY_AREA,
            "planned_return": "2026-12-20",
            "transport": "charter_bus",
            "work_status": "not_returned",
        },
    )
    assert answer.status_code == 302
    employee = Employee.objects.get(person__name="周九")
    page = client.get("/workforce/").content.decode()
    assert "110105198001011238" in page and "13812340000" in page  # its own staff in clear
    # Editing keeps the date (it survives the round trip through the form).
    form = client.get(f"/workforce/{employee.pk}/").content.decode()
    assert 'value="2026-12-20"' in form
    client.post(
        f"/workforce/{employee.pk}/",
        {
            "phone": "13812340000",
            "origin": Origin.KEY_AREA,
            "planned_return": "2026-12-20",
            "transport": "charter_bus",
            "work_status": "observing",
        },
    )
    employee.refresh_from_db()
    assert employee.work_status == "observing" and str(employee.planned_return) == "2026-12-20"
    # The town's command office reads the roster with the numbers masked, and cannot edit.
    client.force_login(c.town_cmd)
    page = client.get("/workforce/").content.decode()
    assert "周九" in page and "110105198001011238" not in page and "13812340000" not in page
    assert client.get(f"/workforce/{employee.pk}/").status_code == 403
    # Another enterprise does not see it at all.
    other = add_cast(world, "approval", "roster_pages_other")
    client.force_login(other.enterprise)
    assert "周九" not in client.get("/workforce/").content.decode()
    assert client.get(f"/workforce/{employee.pk}/").status_code == 404
    assert client.get("/workforce/?status=%00&origin=x&page=999999999999").status_code == 200
