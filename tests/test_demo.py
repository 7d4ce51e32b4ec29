"""The demo county generator: deterministic, complete, usable as test data."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fugong.accounts.choices import Level, OfficeKind, Role
from fugong.accounts.models import Jurisdiction, Membership, Office, User
from fugong.demo.generator import load_demo
from fugong.enterprises.models import Assignment, Enterprise, Park
from fugong.resumption.models import Filing, FilingGroup, Notice

pytestmark = pytest.mark.django_db


def fingerprint() -> tuple:
    return (
        tuple(Jurisdiction.objects.order_by("code").values_list("code", "name", "level")),
        tuple(Office.objects.order_by("name").values_list("name", "kind")),
        tuple(
            Enterprise.objects.order_by("credit_code").values_list(
                "credit_code", "name", "jurisdiction__code"
            )
        ),
        tuple(User.objects.order_by("username").values_list("username", "full_name")),
        tuple(
            Filing.objects.order_by("enterprise__credit_code").values_list(
                "enterprise__credit_code", "mode", "status", "masks"
            )
        ),
        tuple(
            Membership.objects.order_by("user__username", "role").values_list(
                "user__username", "role"
            )
        ),
    )


def wipe() -> None:
    from fugong.cases.models import Tip
    from fugong.inspections.models import Draw
    from fugong.policies.models import Claim, Payment, Policy

    # The ledger is never deleted by accident: reversals, payments, claims, then the policies.
    Payment.objects.exclude(reverses=None).delete()
    Payment.objects.all().delete()
    Claim.objects.all().delete()
    Policy.objects.all().delete()
    Draw.objects.all().delete()  # it names a place (the enterprises' inspections cascade)
    Tip.objects.all().delete()  # tips name places and offices
    Notice.objects.all().delete()
    Filing.objects.all().delete()
    FilingGroup.objects.all().delete()
    Membership.objects.all().delete()
    Assignment.objects.all().delete()
    User.objects.all().delete()
    Enterprise.objects.all().delete()
    Park.objects.all().delete()
    Office.objects.all().delete()
    for depth in range(5, -1, -1):
        Jurisdiction.objects.filter(depth=depth).delete()


def test_same_seed_gives_the_same_county():
    first = fingerprint()
    wipe()
    load_demo(scale="small", seed=1, password="Demo-pass-2026")
    assert fingerprint() == first


def test_another_seed_gives_other_enterprises():
    first = fingerprint()
    wipe()
    load_demo(scale="small", seed=2, password="Demo-pass-2026")
    assert fingerprint()[2] != first[2]


def test_the_county_has_what_the_issue_asks_for():
    towns = Jurisdiction.objects.filter(level__in=[Level.TOWN, Level.STREET])
    assert towns.count() >= 8
    assert Jurisdiction.objects.filter(level=Level.VILLAGE).exists()
    assert Jurisdiction.objects.filter(level=Level.COMMUNITY).exists()
    assert Jurisdiction.objects.filter(level=Level.GRID).count() >= towns.count()
    kinds = set(Office.objects.values_list("kind", flat=True))
    assert kinds == set(OfficeKind.values)
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)


def test_division_codes_follow_the_tree():
    for node in Jurisdiction.objects.select_related("parent"):
        node.full_clean()
        assert len(node.code) == {0: 6, 1: 6, 2: 6, 3: 9, 4: 12, 5: 15}[node.depth]


def test_enterprise_credit_codes_are_valid():
    for enterprise in Enterprise.objects.all():
        enterprise.full_clean()


def test_seed_demo_if_empty_keeps_existing_data(capsys):
    before = fingerprint()
    call_command("seed_demo", "--if-empty")
    assert "kept" in capsys.readouterr().out
    assert fingerprint() == before


def test_seed_demo_refuses_to_load_twice():
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_seed_demo_rejects_a_weak_password(monkeypatch):
    wipe()
    monkeypatch.setenv("FUGONG_DEMO_PASSWORD", "123")
    with pytest.raises(CommandError, match="FUGONG_DEMO_PASSWORD"):
        call_command("seed_demo")


def test_seed_demo_prints_accounts_and_generated_password(monkeypatch, capsys):
    wipe()
    monkeypatch.delenv("FUGONG_DEMO_PASSWORD", raising=False)
    call_command("seed_demo", "--scale", "small", "--seed", "3")
    out = capsys.readouterr().out
    assert "admin" in out and "town01_cmd" in out and "printed only this once" in out
    password = out.split("Password for every demo account: ")[1].split()[0]
    assert User.objects.get(username="town01_cmd").check_password(password)
