"""Charter batches (issue 17 point 3): the rules of a batch (seats, subsidy ≤ cost, dates, the
origin's code), a person on two batches of the same days, the roster entry written on arrival
through the workforce service (and pending for a government office's batch until the
enterprise applies it), cancelling, and the audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from fugong.buses import services
from fugong.buses.choices import BatchStatus
from fugong.buses.models import CharterBatch, Passenger
from fugong.core.errors import Conflict, NotAllowed, UserError
from fugong.core.models import AuditLog
from fugong.workforce.choices import Origin, Transport
from fugong.workforce.models import Employee
from fugong.workforce.services import employee_update as roster_update
from tests.buses.helpers import batch, county_transport, day, free_people, owner, two_enterprises

pytestmark = pytest.mark.django_db


def test_the_rules_of_a_batch_are_named_by_field():
    good = {
        "origin_region": "520302", "origin_name": "遵义", "departs_on": day(1), "arrives_on": day(2),
        "seats": 40, "cost": Decimal("100"), "subsidy": Decimal("100"),
    }  # fmt: skip
    assert services.batch_problems(good) == {}
    bad = good | {
        "origin_region": "52", "origin_name": " ", "arrives_on": day(0), "seats": 0,
        "subsidy": Decimal("100.01"),
    }  # fmt: skip
    problems = services.batch_problems(bad)
    assert set(problems) == {"origin_region", "origin_name", "arrives_on", "seats", "subsidy"}
    assert "100.00" in problems["subsidy"]
    assert services.batch_problems(good | {"cost": Decimal("-1")}).keys() == {"cost"}


def test_a_bad_batch_is_refused_and_the_database_holds_the_rules(demo):
    mine, _other = two_enterprises()
    with pytest.raises(UserError) as exc:
        batch(owner(mine), mine, subsidy=Decimal("2000"))
    assert "补贴" in exc.value.message or "subsidy" in exc.value.message
    made = batch(owner(mine), mine)
    with pytest.raises(IntegrityError), transaction.atomic():
        CharterBatch.objects.filter(pk=made.pk).update(subsidy=Decimal("5000"))
    with pytest.raises(IntegrityError), transaction.atomic():
        CharterBatch.objects.filter(pk=made.pk).update(arrives_on=day(1))


def test_only_the_enterprise_organises_its_batch(demo):
    mine, other = two_enterprises()
    with pytest.raises(NotAllowed):
        batch(owner(other), mine)
    made = batch(owner(mine), mine)
    with pytest.raises(NotAllowed):
        services.passengers_add(actor=owner(other), batch=made, employee_ids=[])


def test_seats_bound_the_passengers_and_nothing_is_added_on_a_refusal(demo):
    mine, _other = two_enterprises()
    actor = owner(mine)
    made = batch(actor, mine, seats=2)
    people = free_people(mine, 3)
    with pytest.raises(UserError) as exc:
        services.passengers_add(actor=actor, batch=made, employee_ids=[p.pk for p in people])
    assert exc.value.code == "passengers"
    assert not made.passengers.exists()
    services.passengers_add(actor=actor, batch=made, employee_ids=[p.pk for p in people[:2]])
    with pytest.raises(UserError):
        services.passengers_add(actor=actor, batch=made, employee_ids=[people[2].pk])
    with pytest.raises(UserError) as exc:
        services.batch_update(actor=actor, batch=made, seats=1)
    assert exc.value.code == "seats"


def test_another_enterprises_people_cannot_ride(demo):
    mine, other = two_enterprises()
    made = batch(owner(mine), mine)
    with pytest.raises(UserError):
        services.passengers_add(
            actor=owner(mine), batch=made, employee_ids=[free_people(other, 1)[0].pk]
        )


def test_nobody_rides_two_batches_of_the_same_days(demo):
    mine, _other = two_enterprises()
    actor = owner(mine)
    (person,) = free_people(mine, 1)
    first = batch(actor, mine, departs_on=day(10), arrives_on=day(12))
    services.passengers_add(actor=actor, batch=first, employee_ids=[person.pk])
    overlapping = batch(actor, mine, departs_on=day(12), arrives_on=day(13))
    with pytest.raises(UserError) as exc:
        services.passengers_add(actor=actor, batch=overlapping, employee_ids=[person.pk])
    assert person.person.name in exc.value.message
    later = batch(actor, mine, departs_on=day(13), arrives_on=day(14))
    services.passengers_add(actor=actor, batch=later, employee_ids=[person.pk])
    # Moving the first batch onto the later one's days is refused too.
    with pytest.raises(UserError) as exc:
        services.batch_update(actor=actor, batch=first, arrives_on=day(13))
    assert exc.value.code == "overlap"
    # A cancelled batch holds nobody.
    services.batch_step(actor=actor, batch=first, action="cancel", reason="改期")
    again = batch(actor, mine, departs_on=day(10), arrives_on=day(11))
    services.passengers_add(actor=actor, batch=again, employee_ids=[person.pk])


def test_arrival_writes_the_ride_on_the_roster_through_the_workforce_service(demo):
    mine, _other = two_enterprises()
    actor = owner(mine)
    people = free_people(mine, 2)
    Employee.objects.filter(pk=people[0].pk).update(origin=Origin.LOCAL, travel_14d="途经杭州东站")
    made = batch(actor, mine, departs_on=day(-3), arrives_on=day(-1), origin_region="520300",
                 origin_name="贵州省遵义市")  # fmt: skip
    services.passengers_add(actor=actor, batch=made, employee_ids=[p.pk for p in people])
    made = services.batch_step(actor=actor, batch=made, action="depart")
    assert not Passenger.objects.filter(batch=made, roster_updated_at__isnull=False).exists()
    before = AuditLog.objects.filter(content_type__model="employee").count()
    made = services.batch_step(actor=actor, batch=made, action="arrive")
    assert made.status == BatchStatus.ARRIVED and made.arrives_on == day(-1)
    e = Employee.objects.get(pk=people[0].pk)
    assert e.transport == Transport.CHARTER_BUS
    assert e.origin_region == "5203"  # a city's code as the roster keeps it
    assert e.planned_return == day(-1)
    assert e.origin == Origin.OUT_OF_PROVINCE  # 贵州 is not the demo's province
    assert e.travel_14d.startswith("途经杭州东站；") and f"包车第{made.pk}批" in e.travel_14d
    assert e.measure  # the origin rules ran again
    # One audit row per entry, by the organiser, through the roster's service.
    rows = AuditLog.objects.filter(content_type__model="employee").order_by("-pk")
    assert rows.count() == before + 2 and rows[0].actor_id == actor.pk
    assert Passenger.objects.filter(batch=made, roster_updated_at__isnull=False).count() == 2
    # A passenger added to an arrived batch is written at once.
    (late,) = free_people(mine, 1)
    services.passengers_add(actor=actor, batch=made, employee_ids=[late.pk])
    assert Employee.objects.get(pk=late.pk).transport == Transport.CHARTER_BUS


def test_an_arrival_cannot_be_in_the_future_nor_a_step_on_a_stale_page(demo):
    mine, _other = two_enterprises()
    actor = owner(mine)
    made = batch(actor, mine, departs_on=day(-1), arrives_on=day(3))
    made = services.batch_step(actor=actor, batch=made, action="depart")
    with pytest.raises(UserError):
        services.batch_step(actor=actor, batch=made, action="arrive", arrived_on=day(1))
    with pytest.raises(Conflict):
        services.batch_step(actor=actor, batch=made, action="arrive", revision=0)
    made = services.batch_step(actor=actor, batch=made, action="arrive")
    assert made.arrives_on == day(0)  # planned later, arrived today


def test_a_government_batch_writes_the_rides_on_the_enterprises_rosters(demo):
    """The county transport bureau does not keep the enterprises' rosters, but the rides of
    the batch it organised are written on them on arrival (the roster's ride service)."""
    office, clerk = county_transport()
    mine, other = two_enterprises()
    people = free_people(mine, 1) + free_people(other, 1)
    made = batch(clerk, office=office, departs_on=day(-2), arrives_on=day(-1), seats=40)
    assert made.jurisdiction_id == office.jurisdiction_id
    services.passengers_add(actor=clerk, batch=made, employee_ids=[p.pk for p in people])
    services.batch_step(actor=clerk, batch=made, action="depart")
    services.batch_step(actor=clerk, batch=made, action="arrive")
    for person in people:
        entry = Employee.objects.get(pk=person.pk)
        assert entry.transport == Transport.CHARTER_BUS
        assert entry.planned_return == day(-1)
        assert f"乘坐包车第{made.pk}批" in entry.travel_14d or str(made.pk) in entry.travel_14d
    assert not made.passengers.filter(roster_updated_at=None).exists()
    # The bureau may not change anything else on a roster entry.
    with pytest.raises(NotAllowed):
        roster_update(actor=clerk, employee=Employee.objects.get(pk=people[0].pk), dormitory="1")


def test_region_keys():
    assert services.region_key("520000") == "52"
    assert services.region_key("520300") == "5203"
    assert services.region_key("520302") == "520302"
