"""The command office's set-up (issue 12 point 4): the offices and recipient groups that also
receive an event of its place (each person still only what their data scope shows), its group
robots with "send a test", all in pages scoped to the office's own places, audited, the
robots' keys kept out of pages and the audit log."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from fugong.core.errors import NotAllowed, UserError
from fugong.core.models import AuditLog
from fugong.core.testing import world_fixtures
from fugong.notifications import setup
from fugong.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Event,
    Message,
    RecipientGroup,
    RobotKind,
    RobotWebhook,
    Subscription,
)
from fugong.resumption import services as filings
from fugong.resumption.choices import Status
from fugong.resumption.testing import add_cast, build_casts, new_filing
from tests.notifications.fakes import fake_robots

S = Status
SUBMITTED = "resumption.filing_submitted"

_built, world = world_fixtures(build_casts, scope="module")


def town_of(user):
    return user.memberships.get().jurisdiction


def office_of(user):
    return user.memberships.get().office


def submit(c, capture):
    filing = new_filing(c, S.DRAFT)
    with capture(execute=True):
        filings.filing_submit(actor=c.enterprise, filing=filing)
    return filing


def told(user, filing) -> bool:
    return Message.objects.filter(user=user, event__subject_id=filing.pk).exists()


@pytest.fixture
def robots():
    with fake_robots() as server:
        yield server


# -- who receives ------------------------------------------------------------------------------
def test_an_office_subscribed_receives_the_events_of_the_place_it_sees(
    world, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "sub_office")
    town = town_of(c.town_cmd)
    # The food safety office follows the filing (it is routed there); the economy office does
    # not see it: subscribed, it still hears nothing of a filing outside its scope.
    setup.subscription_add(
        actor=c.town_cmd, jurisdiction=town, kind=SUBMITTED, office=office_of(c.second)
    )
    setup.subscription_add(
        actor=c.town_cmd, jurisdiction=town, kind=SUBMITTED, office=office_of(c.other_reviewer)
    )
    filing = submit(c, django_capture_on_commit_callbacks)
    assert told(c.second, filing)
    assert told(c.reviewer, filing)  # by role, as before
    assert not told(c.other_reviewer, filing)
    # Another kind of event about the filing does not reach the office subscribed to this one.
    with django_capture_on_commit_callbacks(execute=True):
        filings.filing_transition(actor=c.reviewer, filing=filing, action="return", reason="补")
    assert Message.objects.filter(user=c.second, kind="resumption.filing_returned").count() == 0


def test_a_group_receives_the_events_of_its_place_and_not_of_another(
    world, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "sub_group")
    other = add_cast(world, "record", "sub_group_other")  # town 2
    town = town_of(c.town_cmd)
    group = setup.group_save(
        actor=c.town_cmd,
        group=None,
        jurisdiction=town,
        name="镇复工专班",
        members=[c.inspector, c.town_cmd],
    )
    setup.subscription_add(actor=c.town_cmd, jurisdiction=town, kind=SUBMITTED, group=group)
    filing = submit(c, django_capture_on_commit_callbacks)
    assert told(c.inspector, filing) and told(c.town_cmd, filing)
    elsewhere = submit(other, django_capture_on_commit_callbacks)
    assert not told(c.inspector, elsewhere) and not told(c.town_cmd, elsewhere)


def test_the_county_subscribes_for_every_town(world, django_capture_on_commit_callbacks):
    c = add_cast(world, "record", "sub_county")
    county = town_of(c.county_cmd)
    group = setup.group_save(
        actor=c.county_cmd, group=None, jurisdiction=county, name="县指挥部", members=[c.county_cmd]
    )
    setup.subscription_add(actor=c.county_cmd, jurisdiction=county, kind=SUBMITTED, group=group)
    assert told(c.county_cmd, submit(c, django_capture_on_commit_callbacks))


# -- who may set up what -----------------------------------------------------------------------
def test_a_town_sets_up_its_own_place_only(world):
    c = add_cast(world, "approval", "sub_scope")
    town2_cmd = world.county["w_t2_cmd"]
    town1, town2 = town_of(c.town_cmd), town_of(town2_cmd)
    with pytest.raises(NotAllowed):
        setup.subscription_add(
            actor=c.town_cmd, jurisdiction=town2, kind=SUBMITTED, office=office_of(town2_cmd)
        )
    # Nor an office of another town for its own place.
    with pytest.raises(NotAllowed):
        setup.subscription_add(
            actor=c.town_cmd, jurisdiction=town1, kind=SUBMITTED, office=office_of(town2_cmd)
        )
    # A group holds staff of the place, never another town's nor an enterprise's user.
    for outsider in (town2_cmd, c.enterprise):
        with pytest.raises(NotAllowed):
            setup.group_save(
                actor=c.town_cmd, group=None, jurisdiction=town1, name="x", members=[outsider]
            )
    with pytest.raises(UserError):
        setup.subscription_add(
            actor=c.town_cmd, jurisdiction=town1, kind="no.such_kind", office=office_of(c.reviewer)
        )
    # Nobody but a command office sets up.
    for user in (c.reviewer, c.enterprise, c.inspector):
        assert not setup.can_set_up(user)
        with pytest.raises(NotAllowed):
            setup.subscription_add(
                actor=user, jurisdiction=town1, kind=SUBMITTED, office=office_of(c.reviewer)
            )
    town2_robot = RobotWebhook.objects.create(
        jurisdiction=town2, name="二镇群", kind=RobotKind.WECOM, key="town2-key-0001"
    )
    assert town2_robot not in setup.robot_list(c.town_cmd)
    assert town2_robot in setup.robot_list(town2_cmd)
    with pytest.raises(RobotWebhook.DoesNotExist):
        setup.robot_test(actor=c.town_cmd, robot=town2_robot)


def test_a_subscription_is_made_once(world):
    c = add_cast(world, "approval", "sub_once")
    town = town_of(c.town_cmd)
    office = office_of(c.second)
    setup.subscription_add(actor=c.town_cmd, jurisdiction=town, kind=SUBMITTED, office=office)
    with pytest.raises(UserError):
        setup.subscription_add(actor=c.town_cmd, jurisdiction=town, kind=SUBMITTED, office=office)
    assert Subscription.objects.filter(jurisdiction=town, office=office).count() == 1


# -- robots ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pasted", "kind", "key"),
    [
        (
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
            RobotKind.WECOM,
            "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
        ),
        (
            "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789",
            RobotKind.DINGTALK,
            "abcdef0123456789",
        ),
        ("  abcdef0123456789 ", RobotKind.DINGTALK, "abcdef0123456789"),
    ],
)
def test_a_robots_key_is_taken_from_the_address_pasted(pasted, kind, key):
    assert setup.robot_key(pasted, kind) == key


@pytest.mark.parametrize(
    "pasted",
    ["https://qyapi.weixin.qq.com/cgi-bin/webhook/send?x=1", "short", "bad key with spaces", ""],
)
def test_a_wrong_key_is_refused_with_what_to_paste(pasted):
    with pytest.raises(UserError) as refused:
        setup.robot_key(pasted, RobotKind.WECOM)
    assert "Webhook 地址" in refused.value.message  # says what to paste


def test_a_robot_is_saved_audited_without_its_key_and_tested(
    world, robots, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "robot_setup")
    town = town_of(c.town_cmd)
    robot = setup.robot_save(
        actor=c.town_cmd,
        robot=None,
        jurisdiction=town,
        name="镇复工群",
        kind=RobotKind.DINGTALK,
        key="https://oapi.dingtalk.com/robot/send?access_token=tok-1234567890",
        secret="SEC0123456789abcdef0123",
        kinds=[SUBMITTED],
        is_active=True,
    )
    assert (robot.key, robot.secret) == ("tok-1234567890", "SEC0123456789abcdef0123")
    # Changed without a key or a secret: both stay.
    robot = setup.robot_save(
        actor=c.town_cmd,
        robot=robot,
        jurisdiction=town,
        name="镇复工专班群",
        kind=RobotKind.DINGTALK,
        key="",
        secret="",
        kinds=[SUBMITTED, "resumption.filing_returned"],
        is_active=True,
    )
    assert robot.key == "tok-1234567890" and robot.secret.startswith("SEC")
    entries = AuditLog.objects.filter(object_id=str(robot.pk), content_type__model="robotwebhook")
    assert entries.count() == 2
    assert all("tok-1234567890" not in str(e.after) + str(e.before) for e in entries)
    assert all("SEC0123" not in str(e.after) + str(e.before) for e in entries)

    with django_capture_on_commit_callbacks(execute=True):
        delivery = setup.robot_test(actor=c.town_cmd, robot=robot)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    [request] = robots.requests
    assert "access_token=tok-1234567890" in request["path"] and "sign=" in request["path"]
    assert "群机器人测试消息" in request["json"]["text"]["content"]

    robots.default = (200, {"errcode": 310000, "errmsg": "sign not match"})
    with django_capture_on_commit_callbacks(execute=True):
        failed = setup.robot_test(actor=c.town_cmd, robot=robot)
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED and "sign not match" in failed.last_error


# -- the pages ---------------------------------------------------------------------------------
def test_the_pages_set_up_subscriptions_groups_and_robots(
    world, client, robots, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "setup_pages")
    town = town_of(c.town_cmd)
    client.force_login(c.town_cmd)
    page = client.get("/notifications/setup/")
    assert page.status_code == 200
    assert "通知配置" in page.content.decode()

    answer = client.post(
        "/notifications/setup/groups/new/",
        {"jurisdiction": town.pk, "name": "值班领导", "members": [c.town_cmd.pk, c.inspector.pk]},
    )
    assert answer.status_code == 302
    group = RecipientGroup.objects.get(jurisdiction=town, name="值班领导")
    assert set(group.members.all()) == {c.town_cmd, c.inspector}

    answer = client.post(
        "/notifications/setup/",
        {"jurisdiction": town.pk, "kind": SUBMITTED, "target": f"group:{group.pk}"},
    )
    assert answer.status_code == 302
    assert Subscription.objects.filter(group=group, kind=SUBMITTED).exists()
    # A forged choice (another town's office) is refused on the form, nothing saved.
    other_office = office_of(world.county["w_t2_jmb"])
    answer = client.post(
        "/notifications/setup/",
        {"jurisdiction": town.pk, "kind": SUBMITTED, "target": f"office:{other_office.pk}"},
    )
    assert answer.status_code == 200 and "field-error" in answer.content.decode()
    assert not Subscription.objects.filter(office=other_office).exists()

    answer = client.post(
        "/notifications/setup/robots/new/",
        {
            "jurisdiction": town.pk,
            "name": "镇复工群",
            "kind": RobotKind.WECOM,
            "key": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-key-98765",
            "kinds": [SUBMITTED],
            "is_active": "on",
        },
    )
    robot = RobotWebhook.objects.get(jurisdiction=town, name="镇复工群")
    assert answer.status_code == 302 and answer["Location"].endswith(f"/robots/{robot.pk}/")
    shown = client.get(f"/notifications/setup/robots/{robot.pk}/").content.decode()
    assert "wecom-key-98765" not in shown and "…8765" in shown  # the key is never shown
    log = client.get(f"/notifications/setup/robots/{robot.pk}/log/").content.decode()
    assert "没有发送记录" in log or "还没有" in log
    with django_capture_on_commit_callbacks(execute=False) as sending:
        client.post(f"/notifications/setup/robots/{robot.pk}/test/")
    # Queued: the log asks again every two seconds until it is sent.
    log = client.get(f"/notifications/setup/robots/{robot.pk}/log/").content.decode()
    assert "hx-trigger" in log
    for send in sending:
        send()
    log = client.get(f"/notifications/setup/robots/{robot.pk}/log/").content.decode()
    assert "已发送" in log and "hx-trigger" not in log  # sent: no more polling
    # The command office reads its robots' posts in the delivery log.
    deliveries = client.get("/notifications/deliveries/").content.decode()
    assert "镇复工群" in deliveries

    # A bad key: the form says what to paste, nothing saved.
    answer = client.post(
        "/notifications/setup/robots/new/",
        {"jurisdiction": town.pk, "name": "坏", "kind": RobotKind.WECOM, "key": "http://x/?y=1"},
    )
    assert answer.status_code == 200 and "webhook" in answer.content.decode().lower()
    assert not RobotWebhook.objects.filter(name="坏").exists()


def test_the_pages_are_the_command_offices_own(world, client):
    c = add_cast(world, "approval", "setup_hostile")
    town2_cmd = world.county["w_t2_cmd"]
    town2 = town_of(town2_cmd)
    robot = RobotWebhook.objects.create(
        jurisdiction=town2, name="二镇群", kind=RobotKind.WECOM, key="town2-key-0002"
    )
    group = RecipientGroup.objects.create(jurisdiction=town2, name="二镇组")
    subscription = Subscription.objects.create(jurisdiction=town2, kind=SUBMITTED, group=group)
    event = Event.objects.create(
        kind=setup.ROBOT_TEST,
        subject_type=ContentType.objects.get_for_model(RobotWebhook),
        subject_id=robot.pk,
    )
    Delivery.objects.create(event=event, robot=robot, channel=Channel.ROBOT)
    client.force_login(c.town_cmd)
    for url in (
        f"/notifications/setup/robots/{robot.pk}/",
        f"/notifications/setup/robots/{robot.pk}/log/",
        f"/notifications/setup/groups/{group.pk}/",
        "/notifications/setup/robots/99999999999999999999/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/notifications/setup/robots/{robot.pk}/test/",
        f"/notifications/setup/robots/{robot.pk}/delete/",
        f"/notifications/setup/groups/{group.pk}/delete/",
        f"/notifications/setup/subscriptions/{subscription.pk}/delete/",
    ):
        assert client.post(url).status_code == 404, url
    assert RobotWebhook.objects.filter(pk=robot.pk).exists()
    assert Subscription.objects.filter(pk=subscription.pk).exists()
    assert "二镇群" not in client.get("/notifications/deliveries/").content.decode()
    # Town 2's own command office sees its robot's posts.
    client.force_login(town2_cmd)
    assert "二镇群" in client.get("/notifications/deliveries/").content.decode()
    # Someone who is not a command office is refused, in their language.
    for user in (c.reviewer, c.enterprise):
        client.force_login(user)
        refused = client.get("/notifications/setup/")
        assert refused.status_code == 403
        assert "指挥部" in refused.content.decode()


# -- what a hostile or careless user tried (a probe of the pages) -------------------------------
def robot_of(c, **fields) -> RobotWebhook:
    return setup.robot_save(
        actor=c.town_cmd,
        robot=fields.pop("robot", None),
        jurisdiction=town_of(c.town_cmd),
        name=fields.pop("name", "镇群"),
        kind=fields.pop("kind", RobotKind.DINGTALK),
        key=fields.pop("key", "ding-key-00001111"),
        secret=fields.pop("secret", "SEC0123456789abcdef0123"),
        kinds=fields.pop("kinds", [SUBMITTED]),
        is_active=fields.pop("is_active", True),
        **fields,
    )


def test_a_changed_key_shows_in_the_history_by_its_last_characters(world):
    c = add_cast(world, "approval", "probe_key")
    robot = robot_of(c, key="ding-key-00002222")
    robot = robot_of(c, robot=robot, key="ding-key-00002345", secret="")
    [change] = AuditLog.objects.filter(
        content_type__model="robotwebhook", object_id=str(robot.pk), action="update"
    )
    assert change.before["key_tail"] == "…2222" and change.after["key_tail"] == "…2345"
    assert "ding-key" not in str(change.before) + str(change.after)


def test_another_platform_needs_its_key_and_the_secret_can_be_removed(world):
    c = add_cast(world, "approval", "probe_kind")
    robot = robot_of(c, key="ding-key-00003333")
    with pytest.raises(UserError) as refused:
        robot_of(c, robot=robot, kind=RobotKind.WECOM, key="", secret="")
    assert refused.value.code == "key"
    robot = robot_of(c, robot=robot, key="", secret="", clear_secret=True)
    assert robot.secret == "" and not robot.signed and robot.key == "ding-key-00003333"
    # The same robot twice, and an active robot with nothing to post, are refused.
    with pytest.raises(UserError):
        robot_of(c, name="又一个", key="ding-key-00003333")
    with pytest.raises(UserError):
        robot_of(c, name="空", key="ding-key-00004444", kinds=[])
    # A DingTalk address pasted while WeCom is chosen says so.
    with pytest.raises(UserError) as wrong:
        setup.robot_key("https://oapi.dingtalk.com/robot/send?access_token=abcdef012345", "wecom")
    assert "钉钉" in wrong.value.message


def test_a_test_message_is_tried_once_and_says_why_it_failed(
    world, robots, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "probe_test")
    robot = robot_of(c, key="ding-key-00005555")
    robots.default = (502, {"errcode": -1})
    with django_capture_on_commit_callbacks(execute=True):
        delivery = setup.robot_test(actor=c.town_cmd, robot=robot)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1  # no retry
    from fugong.notifications.services import failure_text

    assert "HTTP 502" in failure_text(delivery.last_error)
    # One test at a time: a second one while the first waits is refused.
    waiting = setup.robot_test(actor=c.town_cmd, robot=robot)  # its send waits for the commit
    with pytest.raises(UserError) as twice:
        setup.robot_test(actor=c.town_cmd, robot=robot)
    assert twice.value.code == "waiting"
    waiting.delete()
    assert failure_text("not reached: timed out").startswith("无法连接")


def test_a_former_member_receives_nothing_through_the_group(
    world, client, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "probe_former")
    town = town_of(c.town_cmd)
    group = setup.group_save(
        actor=c.town_cmd, group=None, jurisdiction=town, name="专班", members=[c.inspector]
    )
    setup.subscription_add(actor=c.town_cmd, jurisdiction=town, kind=SUBMITTED, group=group)
    # The inspector leaves the town (their membership ends) but is still listed in the group.
    c.inspector.memberships.update(is_active=False)
    assert setup.former_members(group) == [c.inspector]
    assert c.inspector.pk not in setup.subscribed(SUBMITTED, town.path)
    client.force_login(c.town_cmd)
    page = client.get(f"/notifications/setup/groups/{group.pk}/").content.decode()
    assert 'data-testid="former-members"' in page and c.inspector.display_name in page
    c.inspector.memberships.update(is_active=True)


def test_forged_ids_and_odd_values_get_an_answer_never_a_500(world, client):
    c = add_cast(world, "approval", "probe_forged")
    town = town_of(c.town_cmd)
    client.force_login(c.town_cmd)
    for members in ("9223372036854775808", "-1", "x", "1e3"):
        answer = client.post(
            "/notifications/setup/groups/new/",
            {"jurisdiction": town.pk, "name": "x", "members": [members]},
        )
        assert answer.status_code == 200 and "field-error" in answer.content.decode(), members
    answer = client.post(
        "/notifications/setup/robots/new/",
        {
            "jurisdiction": town.pk,
            "name": "长密钥",
            "kind": RobotKind.DINGTALK,
            "key": "ding-key-00006666",
            "secret": "SEC" + "a" * 200,
            "kinds": [SUBMITTED],
        },
    )
    assert answer.status_code == 200 and "field-error" in answer.content.decode()
    for url in ("/notifications/setup/robots/0/", "/notifications/setup/groups/0/"):
        assert client.get(url).status_code == 404


def test_the_admin_never_shows_a_robots_key_or_secret(world, client):
    from django.contrib.auth import get_user_model

    c = add_cast(world, "approval", "probe_admin")
    robot = robot_of(c, key="ding-key-secretkey9", secret="SECfeedface0123456789")
    admin = get_user_model().objects.create_superuser("probe_admin_root", password="x" * 20)
    client.force_login(admin)
    page = client.get(f"/admin/notifications/robotwebhook/{robot.pk}/change/").content.decode()
    assert "ding-key-secretkey9" not in page and "SECfeedface" not in page
    assert "…key9" in page
