"""The WeCom and DingTalk group robots (issue 12 point 2), against fake services on
127.0.0.1: a robot set on a place gets the kinds it takes about anything under that place,
as a text with the kind, names and link, never a reason; DingTalk's signature is computed as
DingTalk checks it (HMAC-SHA256 of "<ms>\\n<secret>", Base64, URL-encoded once); an answer
with an error code is a failure (rate limits retried), not "sent"."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import urllib.parse

import pytest
from django.test import override_settings
from django.utils import timezone

from fugong.core.testing import world_fixtures
from fugong.notifications import services
from fugong.notifications.models import Channel, Delivery, DeliveryStatus, RobotKind, RobotWebhook
from fugong.resumption import services as filings
from fugong.resumption.choices import Status
from fugong.resumption.testing import add_cast, build_casts, new_filing
from tests.notifications.fakes import fake_robots

S = Status

_built, world = world_fixtures(build_casts, scope="module")


@pytest.fixture
def robots():
    with fake_robots(
        FUGONG_SITE_URL="https://fugong.example.gov.cn", FUGONG_NOTIFY_MAX_ATTEMPTS=3
    ) as server:
        yield server


def robot(place, kind=RobotKind.WECOM, **fields) -> RobotWebhook:
    return RobotWebhook.objects.create(
        jurisdiction=place,
        name="镇复工专班群",
        kind=kind,
        key=fields.pop("key", "wecom-key-123"),
        kinds=fields.pop("kinds", ["resumption.filing_submitted", "resumption.filing_returned"]),
        **fields,
    )


def submit(c, capture):
    filing = new_filing(c, S.DRAFT)
    with capture(execute=True):
        filings.filing_submit(actor=c.enterprise, filing=filing)
    return filing


def query_of(request) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request["path"]).query))


def test_a_wecom_robot_of_the_town_gets_the_filings_submitted_there(
    world, robots, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "robot")
    town = c.town_cmd.memberships.first().jurisdiction
    robot(town)
    other_town = world["record"].town_cmd.memberships.first().jurisdiction
    robot(other_town, key="other-town-key")  # another town's group hears nothing of it
    filing = submit(c, django_capture_on_commit_callbacks)
    [request] = robots.requests
    assert request["path"].startswith("/cgi-bin/webhook/send?")
    assert query_of(request) == {"key": "wecom-key-123"}
    text = request["json"]["text"]["content"]
    assert request["json"]["msgtype"] == "text"
    assert f"https://fugong.example.gov.cn/resumption/{filing.pk}/" in text
    assert filing.enterprise.name in text
    [delivery] = Delivery.objects.filter(channel=Channel.ROBOT, event__subject_id=filing.pk)
    assert delivery.status == DeliveryStatus.SENT and delivery.user is None


def test_a_reason_never_reaches_a_group_chat(world, robots, django_capture_on_commit_callbacks):
    c = add_cast(world, "approval", "robot_reason")
    robot(c.town_cmd.memberships.first().jurisdiction)
    filing = submit(c, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        filings.filing_transition(
            actor=c.reviewer, filing=filing, action="return", reason="补充材料，联系13812345678"
        )
    assert len(robots.requests) == 2
    assert "补充材料" not in str(robots.requests[1]["json"])


def test_dingtalk_is_signed_as_dingtalk_checks_it(
    world, robots, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "dingtalk")
    secret = "SEC0123456789abcdef+/="
    robot(
        c.town_cmd.memberships.first().jurisdiction,
        kind=RobotKind.DINGTALK,
        key="ding-token",
        secret=secret,
    )
    submit(c, django_capture_on_commit_callbacks)
    [request] = robots.requests
    query = query_of(request)  # decoded once, as DingTalk decodes it
    expected = base64.b64encode(
        hmac.new(
            secret.encode(), f"{query['timestamp']}\n{secret}".encode(), hashlib.sha256
        ).digest()
    ).decode()
    assert query["access_token"] == "ding-token" and query["sign"] == expected


def test_an_error_code_is_a_failure_and_a_rate_limit_is_retried(
    world, robots, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "robot_codes")
    robot(c.town_cmd.memberships.first().jurisdiction)
    robots.replies = [(200, {"errcode": 45009, "errmsg": "api freq out of limit"})]
    submit(c, django_capture_on_commit_callbacks)
    [delivery] = Delivery.objects.filter(channel=Channel.ROBOT)
    assert delivery.status == DeliveryStatus.QUEUED and "45009" in delivery.last_error
    assert services.deliveries_due(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2


def test_a_wrong_key_is_logged_as_failed_not_sent(
    world, robots, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "robot_key")
    robot(c.town_cmd.memberships.first().jurisdiction)
    robots.replies = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    submit(c, django_capture_on_commit_callbacks)
    [delivery] = Delivery.objects.filter(channel=Channel.ROBOT)
    assert delivery.status == DeliveryStatus.FAILED and "93000" in delivery.last_error
    assert delivery.attempts == 1


def test_a_robot_posts_no_more_than_its_limit_a_minute_the_rest_wait(
    world, robots, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "robot_rate")
    robot(c.town_cmd.memberships.first().jurisdiction)
    filing = new_filing(c, S.DRAFT)
    # Three events about one filing (no deduplication window, which would post it once).
    with override_settings(FUGONG_ROBOT_PER_MINUTE=2, FUGONG_NOTIFY_DEDUP_MINUTES=0):
        for i in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                services.event_raise(
                    kind="resumption.filing_submitted",
                    subject=filing,
                    params={"enterprise": f"第{i}家"},
                )
        deliveries = list(Delivery.objects.filter(channel=Channel.ROBOT).order_by("pk"))
        assert [d.status for d in deliveries] == ["sent", "sent", "queued"]
        waiting = deliveries[2]
        assert waiting.attempts == 0 and waiting.next_attempt_at > timezone.now()
        assert len(robots.requests) == 2
        assert services.deliveries_due() == 0  # not yet
        assert services.deliveries_due(now=waiting.next_attempt_at) == 1
    waiting.refresh_from_db()
    assert waiting.status == DeliveryStatus.SENT and waiting.attempts == 1
    assert len(robots.requests) == 3


def test_the_same_event_about_the_same_filing_is_posted_once_in_the_window(
    world, robots, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "robot_dedup")
    robot(c.town_cmd.memberships.first().jurisdiction)
    filing = new_filing(c, S.DRAFT)
    other = new_filing(add_cast(world, "approval", "robot_dedup_2"), S.DRAFT)

    def raise_about(subject):
        with django_capture_on_commit_callbacks(execute=True):
            services.event_raise(
                kind="resumption.filing_submitted",
                subject=subject,
                params={"enterprise": "甲"},
            )

    with override_settings(FUGONG_NOTIFY_DEDUP_MINUTES=10):
        raise_about(filing)
        raise_about(filing)  # within ten minutes: not posted again
        raise_about(other)  # another filing: posted
    assert len(robots.requests) == 2
    # Once the window has passed, the same event is posted again.
    Delivery.objects.filter(channel=Channel.ROBOT).update(
        created_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    with override_settings(FUGONG_NOTIFY_DEDUP_MINUTES=10):
        raise_about(filing)
    assert len(robots.requests) == 3
    # A post that failed does not hold back the next one.
    robots.default = (200, {"errcode": 310000, "errmsg": "keywords not in content"})
    with override_settings(FUGONG_NOTIFY_DEDUP_MINUTES=10):
        raise_about(other)
    robots.default = (200, {"errcode": 0, "errmsg": "ok"})
    with override_settings(FUGONG_NOTIFY_DEDUP_MINUTES=10):
        raise_about(other)
    assert len(robots.requests) == 5
