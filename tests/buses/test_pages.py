"""The buses pages and API by who reads them: an enterprise never sees another's batches,
buses, letters, ledgers, exports or PDFs (404); government users see their scope; the driver's
phone, ID numbers and temperatures are shown only to those who need them; the riders'
temperature ledger (abnormal, missing, the days without disinfection); forms keep what was
typed on a refusal; Chinese by default."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from fugong.accounts.choices import OfficeKind, Role
from fugong.accounts.models import Membership
from fugong.buses import selectors, services
from fugong.core.testing import bearer, issue_token
from fugong.workforce.choices import Half, Transport
from fugong.workforce.models import CheckIn, Employee
from tests.buses.helpers import (
    batch,
    bus,
    county_transport,
    day,
    free_people,
    owner,
    two_enterprises,
)
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def town_command(enterprise):
    path = enterprise.jurisdiction.path
    for m in Membership.objects.filter(role=Role.COMMAND, jurisdiction__depth=3).select_related(
        "jurisdiction", "user"
    ):
        if path.startswith(m.jurisdiction.path):
            return m.user
    raise AssertionError("no town command office")


def world():
    mine, other = two_enterprises()
    a, b = owner(mine), owner(other)
    theirs = batch(b, other)
    services.passengers_add(actor=b, batch=theirs, employee_ids=[free_people(other, 1)[0].pk])
    their_bus = bus(b, other, plate="浙B77777")
    letter = services.letter_create(actor=b, bus=their_bus, valid_from=day(0), valid_until=day(9))
    letter = services.letter_step(actor=b, letter=letter, action="submit")
    reviewer = Membership.objects.filter(office=letter.office, role=Role.REVIEWER).first().user
    letter = services.letter_step(actor=reviewer, letter=letter, action="approve")
    return mine, other, a, b, theirs, their_bus, letter


def test_an_enterprise_never_sees_anothers_batches_buses_letters_or_files(client, demo):
    mine, other, a, b, theirs, their_bus, letter = world()
    client.force_login(a)
    for url in [
        f"/buses/batches/{theirs.pk}/", f"/buses/batches/{theirs.pk}/edit/",
        f"/buses/batches/{theirs.pk}/passengers.xlsx", f"/buses/commuter/{their_bus.pk}/",
        f"/buses/commuter/{their_bus.pk}/edit/", f"/buses/commuter/{their_bus.pk}/ledger/",
        f"/buses/commuter/{their_bus.pk}/ledger.xlsx", f"/buses/letters/{letter.pk}/",
        f"/buses/letters/{letter.pk}/letter.pdf",
    ]:  # fmt: skip
        assert client.get(url).status_code == 404, url
    for url in [f"/buses/batches/{theirs.pk}/step/", f"/buses/batches/{theirs.pk}/passengers/",
                f"/buses/commuter/{their_bus.pk}/riders/", f"/buses/letters/{letter.pk}/step/"]:  # fmt: skip
        assert client.post(url, {"action": "depart"}).status_code == 404, url
    assert "浙B77777" not in client.get("/buses/commuter/").content.decode()
    assert f"/buses/batches/{theirs.pk}/" not in client.get("/buses/").content.decode()
    assert letter.number not in client.get("/buses/letters/").content.decode()
    # The other enterprise and the town see them.
    client.force_login(b)
    assert client.get(f"/buses/batches/{theirs.pk}/").status_code == 200
    client.force_login(town_command(other))
    assert client.get(f"/buses/batches/{theirs.pk}/").status_code == 200
    assert client.get(f"/buses/letters/{letter.pk}/letter.pdf").status_code == 200
    # A transport bureau sees its own batches only.
    office, clerk = county_transport()
    client.force_login(clerk)
    assert client.get(f"/buses/batches/{theirs.pk}/").status_code == 404
    own = batch(clerk, office=office)
    assert client.get(f"/buses/batches/{own.pk}/").status_code == 200


def test_the_api_lists_only_what_the_caller_sees(client, demo):
    mine, other, a, b, theirs, their_bus, letter = world()
    mine_batch = batch(a, mine)
    headers = bearer(issue_token(client, a.username, DEMO_PASSWORD))
    batches = client.get("/api/v1/buses/batches?limit=1000", headers=headers).json()["items"]
    ids = {x["id"] for x in batches}
    assert mine_batch.pk in ids and theirs.pk not in ids
    assert all(x["enterprise_id"] == mine.pk for x in batches if x["enterprise_id"])
    assert client.get(f"/api/v1/buses/batches/{theirs.pk}", headers=headers).status_code == 404
    buses = client.get("/api/v1/buses/commuter?limit=1000", headers=headers).json()["items"]
    assert their_bus.pk not in {x["id"] for x in buses}
    town = bearer(issue_token(client, town_command(other).username, DEMO_PASSWORD))
    detail = client.get(f"/api/v1/buses/batches/{theirs.pk}", headers=town).json()
    assert detail["passengers"] == 1 and "*" in detail["passenger_list"][0]["id_number"]
    buses = client.get("/api/v1/buses/commuter?limit=1000", headers=town).json()["items"]
    row = next(x for x in buses if x["id"] == their_bus.pk)
    assert row["letter"]["number"] == letter.number and row["letter"]["state"] == "valid"
    assert "13812345678" not in str(row)
    status = client.get("/api/v1/buses/batches?status=planned", headers=headers).json()
    assert {x["status"] for x in status["items"]} <= {"planned"}
    assert client.get("/api/v1/buses/batches").status_code == 401


def test_masking_of_the_drivers_phone_and_the_id_numbers(client, demo):
    mine, other, a, b, theirs, their_bus, letter = world()
    client.force_login(b)
    page = client.get(f"/buses/commuter/{their_bus.pk}/").content.decode()
    assert "13812345678" in page
    client.force_login(town_command(other))
    page = client.get(f"/buses/commuter/{their_bus.pk}/").content.decode()
    assert "13812345678" not in page and "138****5678" in page
    passenger = theirs.passengers.select_related("employee__person").get()
    number = passenger.employee.person.id_number
    assert number not in client.get(f"/buses/batches/{theirs.pk}/").content.decode()
    # The export masks the ID numbers whoever exports (the organiser too).
    client.force_login(b)
    assert number in client.get(f"/buses/batches/{theirs.pk}/").content.decode()
    response = client.get(f"/buses/batches/{theirs.pk}/passengers.xlsx")
    assert response["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert number not in cells and number[:6] + "********" + number[-4:] in cells
    assert passenger.employee.person.name in cells


def test_the_temperature_ledger_marks_abnormal_and_missing_readings(client, demo):
    mine, _other = two_enterprises()
    a = owner(mine)
    made = bus(a, mine)
    stop = made.stops.first()
    riders = free_people(mine, 3)
    for e in riders:
        services.rider_set(actor=a, bus=made, employee=e, stop=stop)
    when = day(-3)
    CheckIn.objects.filter(employee__in=riders, day=when).delete()
    CheckIn.objects.bulk_create([
        CheckIn(employee=riders[0], day=when, half=Half.MORNING, tenths=365),
        CheckIn(employee=riders[0], day=when, half=Half.AFTERNOON, tenths=378, abnormal=True),
        CheckIn(employee=riders[1], day=when, half=Half.AFTERNOON, tenths=362),
    ])  # fmt: skip
    book = selectors.ledger(a, made, when)
    assert book.personal and book.riders == 3
    assert book.checked == [1, 2] and book.abnormal == [0, 1] and book.missing == [2, 1]
    by_name = {r.name: r for r in book.rows}
    first = by_name[riders[0].person.name]
    assert first.abnormal and first.readings[1].tenths == 378
    assert by_name[riders[2].person.name].readings == [None, None]
    client.force_login(a)
    html = client.get(f"/buses/commuter/{made.pk}/ledger/?day={when:%Y-%m-%d}").content.decode()
    assert html.count('data-testid="abnormal"') == 1 and html.count('data-testid="missing"') == 3
    assert "37.8 °C" in html and "未报" in html
    export = client.get(f"/buses/commuter/{made.pk}/ledger.xlsx?day={when:%Y-%m-%d}")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "37.8 (异常)" in cells and "36.5" in cells
    # The town sees the counts, not the temperatures (health data).
    client.force_login(town_command(mine))
    html = client.get(f"/buses/commuter/{made.pk}/ledger/?day={when:%Y-%m-%d}").content.decode()
    assert "37.8" not in html and 'data-testid="counts-only"' in html
    assert riders[0].person.name not in html
    export = client.get(f"/buses/commuter/{made.pk}/ledger.xlsx?day={when:%Y-%m-%d}")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "37.8 (异常)" not in cells and riders[0].person.name not in cells


def test_the_days_without_disinfection(demo):
    mine, _other = two_enterprises()
    a = owner(mine)
    made = bus(a, mine)
    from django.utils import timezone

    now = timezone.localtime()
    for back in (0, 2):
        services.disinfection_add(actor=a, bus=made, at=now - datetime.timedelta(days=back),
                                  disinfectant="84消毒液", done_by="李四")  # fmt: skip
    gaps = selectors.days_without_disinfection(made, day(-3), day(0))
    assert gaps == [day(-3), day(-1)]
    with pytest.raises(services.UserError):
        services.disinfection_add(actor=a, bus=made, at=now + datetime.timedelta(hours=2),
                                  disinfectant="84消毒液", done_by="李四")  # fmt: skip


def test_a_refused_form_keeps_what_was_typed_in_chinese(client, demo):
    mine, _other = two_enterprises()
    client.force_login(owner(mine))
    page = client.get("/buses/batches/new/")
    assert page.status_code == 200 and "新建包车批次" in page.content.decode()
    response = client.post("/buses/batches/new/", {
        "organiser": f"e:{mine.pk}", "origin_name": "河南省周口市", "origin_region": "411600",
        "departs_on": day(3).isoformat(), "arrives_on": day(4).isoformat(), "seats": "40",
        "plate": "豫P12345", "cost": "5000", "subsidy": "6000", "note": "早上八点集合",
    })  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "补贴金额不能超过包车费用（5,000.00元）" in html
    for typed in ("河南省周口市", "411600", "豫P12345", "早上八点集合", 'value="6000"'):
        assert typed in html, typed
    response = client.post("/buses/commuter/new/", {
        "plate": "浙A55555", "seats": "30", "driver_name": "王师傅", "driver_phone": "12345",
        "route_name": "东线", "stops": "东门 25:10", "status": "active",
    })  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 400 and "浙A55555" in html and "东门 25:10" in html
    assert "时间格式不正确" in html


def test_the_pages_open_for_every_role_with_the_menu(client, demo):
    for username in ["admin", "county_cmd", "county_jtj", "county_rsj", "town01_cmd",
                     "town01_jmb", "town01_grid", "town01_park", "town01_ent1"]:  # fmt: skip
        client.force_login(_user(username))
        for url in ["/buses/", "/buses/commuter/", "/buses/letters/"]:
            response = client.get(url)
            assert response.status_code == 200, (username, url)
        assert "包车与班车" in response.content.decode()
    from fugong.buses.models import CharterBatch, CommuterBus, Letter

    client.force_login(_user("admin"))
    for b in CharterBatch.objects.all():
        assert client.get(f"/buses/batches/{b.pk}/").status_code == 200
    for b in CommuterBus.objects.all():
        assert client.get(f"/buses/commuter/{b.pk}/").status_code == 200
        assert client.get(f"/buses/commuter/{b.pk}/ledger/").status_code == 200
    for x in Letter.objects.all():
        assert client.get(f"/buses/letters/{x.pk}/").status_code == 200


def _user(username):
    from fugong.accounts.models import User

    return User.objects.get(username=username)


def test_a_transport_bureau_organises_for_the_county_from_its_page(client, demo):
    office, clerk = county_transport()
    assert office.kind == OfficeKind.TRANSPORT
    client.force_login(clerk)
    response = client.post("/buses/batches/new/", {
        "organiser": f"o:{office.pk}", "origin_name": "四川省南充市", "origin_region": "511300",
        "departs_on": day(3).isoformat(), "arrives_on": day(4).isoformat(), "seats": "45",
        "plate": "", "cost": "20000", "subsidy": "20000", "note": "",
    })  # fmt: skip
    assert response.status_code == 302
    made = selectors.batch_list(clerk).get(origin_region="511300")
    assert made.office_id == office.pk and made.cost == Decimal("20000")
    page = client.get(f"/buses/batches/{made.pk}/").content.decode()
    assert 'data-testid="add-passengers"' in page


def test_the_batch_page_adds_passengers_and_keeps_the_ticks_on_a_refusal(client, demo):
    mine, _other = two_enterprises()
    a = owner(mine)
    made = batch(a, mine, seats=1)
    people = free_people(mine, 2)
    client.force_login(a)
    page = client.get(f"/buses/batches/{made.pk}/?q={people[0].person.name}").content.decode()
    assert f'value="{people[0].pk}"' in page
    response = client.post(f"/buses/batches/{made.pk}/passengers/",
                           {"employee": [p.pk for p in people]})  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "剩余1座" in html and "已选2人" in html
    for p in people:
        assert f'value="{p.pk}" id="emp{p.pk}" checked' in html
    response = client.post(f"/buses/batches/{made.pk}/passengers/", {"employee": [people[0].pk]})
    assert response.status_code == 302 and made.passengers.count() == 1
    # Departing and a refused arrival in the future keep the day typed.
    made.refresh_from_db()
    client.post(f"/buses/batches/{made.pk}/step/", {"action": "depart", "revision": made.revision})
    made.refresh_from_db()
    response = client.post(f"/buses/batches/{made.pk}/step/", {
        "action": "arrive", "revision": made.revision, "arrived_on": day(5).isoformat(),
    })  # fmt: skip
    assert response.status_code == 400 and day(5).isoformat() in response.content.decode()
    response = client.post(
        f"/buses/batches/{made.pk}/step/", {"action": "arrive", "arrived_on": "x"}
    )
    assert response.status_code == 400 and "2026-02-10" in response.content.decode()
    # Another step from a stale page is told, not a 500.
    response = client.post(f"/buses/batches/{made.pk}/step/", {"action": "depart", "revision": "0"})
    assert response.status_code == 409


def test_the_letter_pages_take_the_steps_and_the_rule(client, demo):
    mine, _other = two_enterprises()
    a = owner(mine)
    made = bus(a, mine)
    client.force_login(a)
    response = client.post(f"/buses/commuter/{made.pk}/letters/new/",
                           {"valid_from": day(0).isoformat(), "valid_until": day(-1).isoformat()})  # fmt: skip
    assert (
        response.status_code == 400
        and "有效期截止日期不能早于起始日期" in response.content.decode()
    )
    response = client.post(f"/buses/commuter/{made.pk}/letters/new/",
                           {"valid_from": day(0).isoformat(), "valid_until": day(60).isoformat()})  # fmt: skip
    assert response.status_code == 302
    letter = made.letters.get()
    assert "提交审核" in client.get(f"/buses/letters/{letter.pk}/").content.decode()
    client.post(
        f"/buses/letters/{letter.pk}/step/", {"action": "submit", "revision": letter.revision}
    )
    letter.refresh_from_db()
    reviewer = Membership.objects.filter(office=letter.office, role=Role.REVIEWER).first().user
    client.force_login(reviewer)
    assert letter.bus.plate in client.get("/buses/letters/").content.decode()
    work = client.get("/work/").content.decode()  # "my work" (待办)
    assert "待审核的通勤班车使用意见函" in work and f"/buses/letters/{letter.pk}/" in work
    response = client.post(f"/buses/letters/{letter.pk}/step/", {"action": "reject", "reason": ""})
    assert response.status_code == 400
    response = client.post(f"/buses/letters/{letter.pk}/step/", {"action": "approve"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.number in client.get(f"/buses/letters/{letter.pk}/").content.decode()
    # The county's command office says its letters need no review.
    county = Membership.objects.filter(role=Role.COMMAND, jurisdiction__depth=2).first()
    client.force_login(county.user)
    response = client.post("/buses/letters/rule/",
                           {"place": county.jurisdiction_id, "approval_required": "0"})  # fmt: skip
    assert response.status_code == 302
    assert not services.approval_required(letter.jurisdiction)
    client.force_login(a)
    assert client.post("/buses/letters/rule/", {"place": county.jurisdiction_id}).status_code == 302
    assert not services.approval_required(letter.jurisdiction)  # refused: unchanged


def test_the_enterprise_sees_its_people_on_a_government_batch_already_on_its_roster(client, demo):
    office, clerk = county_transport()
    mine, _other = two_enterprises()
    people = free_people(mine, 1)
    made = batch(clerk, office=office, departs_on=day(-2), arrives_on=day(-1), seats=40)
    services.passengers_add(actor=clerk, batch=made, employee_ids=[p.pk for p in people])
    services.batch_step(actor=clerk, batch=made, action="depart")
    services.batch_step(actor=clerk, batch=made, action="arrive")
    client.force_login(owner(mine))
    page = client.get("/buses/").content.decode()
    assert 'data-testid="elsewhere"' in page and people[0].person.name in page
    assert client.post("/buses/rides/apply/").status_code == 404  # nothing left to apply
    assert Employee.objects.get(pk=people[0].pk).transport == Transport.CHARTER_BUS


def test_the_api_answers_odd_requests_without_a_500_and_in_few_queries(
    client, demo, django_assert_max_num_queries
):
    headers = bearer(issue_token(client, "town01_cmd", DEMO_PASSWORD))
    for url, status in [
        ("/api/v1/buses/batches/99999999999999999999999", 404),
        ("/api/v1/buses/batches/0", 404),
        ("/api/v1/buses/batches?status=nope", 422),
        ("/api/v1/buses/batches?limit=100000", 422),
        ("/api/v1/buses/commuter?offset=-1", 422),
    ]:
        assert client.get(url, headers=headers).status_code == status, url
    mine, _other = two_enterprises()
    for i in range(3):
        bus(owner(mine), mine, plate=f"浙C0000{i}")
    # A page of buses costs the same few queries whatever their number (letters and stops
    # prefetched).
    with django_assert_max_num_queries(12):
        body = client.get("/api/v1/buses/commuter?limit=100", headers=headers).json()
    assert body["count"] >= 5
    with django_assert_max_num_queries(10):
        client.get("/api/v1/buses/batches?limit=100", headers=headers)


def test_a_bus_changed_meanwhile_is_told_and_the_form_keeps_what_was_typed(client, demo):
    mine, _other = two_enterprises()
    a = owner(mine)
    made = bus(a, mine)
    services.bus_save(actor=a, enterprise=mine, bus=made, stops=[("东门", None)], seats=20)
    client.force_login(a)
    response = client.post(f"/buses/commuter/{made.pk}/edit/", {
        "plate": "浙A12345", "seats": "31", "driver_name": "王师傅", "driver_phone": "13812345678",
        "route_name": "新线路", "stops": "东门 07:10\n西门", "status": "active", "revision": "0",
    })  # fmt: skip
    assert response.status_code == 409
    html = response.content.decode()
    assert "他人已修改本班车" in html and "新线路" in html and "西门" in html
