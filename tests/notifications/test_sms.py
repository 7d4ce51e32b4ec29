"""SMS through an HTTP gateway (issue 12 point 2), against a fake gateway on 127.0.0.1: the
provider's shape (signature, template id, parameters) with no reason text and nothing about
health, the token in the header; a gateway error retried, a refusal not; a daily cap per
person; only the kinds given a template."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from fugong.core import registry
from fugong.core.testing import world_fixtures
from fugong.notifications import services
from fugong.notifications.models import Channel, Delivery, DeliveryStatus, Message
from fugong.resumption import services as filings
from fugong.resumption.choices import Status
from fugong.resumption.testing import add_cast, build_casts, new_filing
from tests.notifications.fakes import FakeGateway

S = Status

_built, world = world_fixtures(build_casts, scope="module")
TEMPLATES = {"resumption.filing_submitted": "SMS_1001", "resumption.filing_returned": "SMS_1002"}


@pytest.fixture
def gateway():
    with (
        FakeGateway() as server,
        override_settings(
            FUGONG_SMS_URL=server.url,
            FUGONG_SMS_TOKEN="gateway-token",
            FUGONG_SMS_SIGN="某县复工办",
            FUGONG_SMS_TEMPLATES=TEMPLATES,
            FUGONG_SMS_DAILY_CAP=2,
            FUGONG_NOTIFY_MAX_ATTEMPTS=3,
        ),
    ):
        yield server


@pytest.fixture
def cast(world):
    def make(name: str, phone: str = "13900001111"):
        c = add_cast(world, "approval", name)
        for user in (c.reviewer, c.enterprise):
            user.phone = phone
            user.save(update_fields=["phone"])
        return c

    return make


def submit(c, capture, **application):
    filing = new_filing(c, S.DRAFT, **application)
    with capture(execute=True):
        filings.filing_submit(actor=c.enterprise, filing=filing)
    return filing


def sms_of(user) -> list[Delivery]:
    return list(Delivery.objects.filter(user=user, channel=Channel.SMS).order_by("pk"))


def test_the_reviewer_gets_an_sms_in_the_gateways_shape(
    cast, gateway, django_capture_on_commit_callbacks
):
    c = cast("sms")
    submit(c, django_capture_on_commit_callbacks)
    [request] = gateway.requests
    assert request["headers"]["Authorization"] == "Bearer gateway-token"
    sent = request["json"]
    assert sent["phone"] == "13900001111" and sent["template_id"] == "SMS_1001"
    assert sent["sign_name"] == "某县复工办"
    assert set(sent["params"]) == {"enterprise"}
    [delivery] = sms_of(c.reviewer)
    assert delivery.status == DeliveryStatus.SENT


def test_a_reason_never_goes_by_sms(cast, gateway, django_capture_on_commit_callbacks):
    c = cast("sms_reason")
    filing = submit(c, django_capture_on_commit_callbacks)
    gateway.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        filings.filing_transition(
            actor=c.reviewer, filing=filing, action="return", reason="联系 13812345678 补材料"
        )
    [request] = [r for r in gateway.requests if r["json"]["template_id"] == "SMS_1002"]
    assert "reason" not in request["json"]["params"] and "1381" not in str(request["json"])


def test_a_gateway_error_is_retried_and_a_refusal_is_not(
    cast, gateway, django_capture_on_commit_callbacks
):
    c = cast("sms_retry")
    gateway.replies = [(502, {"message": "bad gateway"})]
    submit(c, django_capture_on_commit_callbacks)
    [delivery] = sms_of(c.reviewer)
    assert delivery.status == DeliveryStatus.QUEUED and "502" in delivery.last_error
    assert services.deliveries_due(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2

    other = cast("sms_refused", phone="13900002222")
    gateway.replies = [(200, {"code": "isv.MOBILE_NUMBER_ILLEGAL", "message": "号码不合法"})]
    submit(other, django_capture_on_commit_callbacks)
    refused = sms_of(other.reviewer)[-1]  # the office's reviewer is the first cast's too
    assert refused.status == DeliveryStatus.FAILED and refused.attempts == 1
    assert "号码不合法" in refused.last_error


@override_settings(FUGONG_NOTIFY_DEDUP_MINUTES=0)
def test_no_more_than_the_daily_cap_reaches_one_person(
    cast, gateway, django_capture_on_commit_callbacks
):
    c = cast("sms_cap")
    filing = submit(c, django_capture_on_commit_callbacks)  # the first SMS of the day
    for i in range(2):  # (no deduplication window, which would send the same event once)
        with django_capture_on_commit_callbacks(execute=True):
            services.event_raise(
                kind="resumption.filing_submitted",
                subject=filing,
                params={"enterprise": f"第{i}家"},
            )
    statuses = [d.status for d in sms_of(c.reviewer)]
    assert statuses == [DeliveryStatus.SENT, DeliveryStatus.SENT, DeliveryStatus.SKIPPED]
    assert len(gateway.requests) == 2
    # The next day the cap starts again.
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    assert not services._sms_over_cap(sms_of(c.reviewer)[0], tomorrow)


def test_kinds_without_a_template_or_about_health_never_go_by_sms(
    cast, gateway, django_capture_on_commit_callbacks
):
    c = cast("sms_none")
    filing = new_filing(c, S.DRAFT)
    health = registry.EventKind(
        code="test.health",
        label="test",
        recipients=lambda subject: [c.reviewer.pk, c.county_cmd.pk],
        title=lambda p: "体温异常",
        url=lambda subject: "/",
        health=True,
    )
    registry.add_event_kind(health)
    try:
        with (
            override_settings(FUGONG_SMS_TEMPLATES={**TEMPLATES, "test.health": "SMS_9"}),
            django_capture_on_commit_callbacks(execute=True),
        ):
            services.event_raise(kind="test.health", subject=filing)
            services.event_raise(kind="resumption.notice_issued", subject=filing)
    finally:
        registry._events.pop(health.code)
    assert not Delivery.objects.filter(channel=Channel.SMS, event__subject_id=filing.pk).exists()
    assert not gateway.requests


@override_settings(FUGONG_NOTIFY_DEDUP_MINUTES=0, FUGONG_SMS_PER_MINUTE=2, FUGONG_SMS_DAILY_CAP=10)
def test_the_site_sends_no_more_sms_a_minute_than_its_limit_the_rest_wait(
    cast, gateway, django_capture_on_commit_callbacks
):
    c = cast("sms_rate")
    filing = submit(c, django_capture_on_commit_callbacks)  # one SMS (the reviewer's)
    for i in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.event_raise(
                kind="resumption.filing_submitted", subject=filing, params={"enterprise": str(i)}
            )
    first, second, third = sms_of(c.reviewer)
    assert [first.status, second.status] == [DeliveryStatus.SENT, DeliveryStatus.SENT]
    # The third waits for the minute to pass, without an attempt counted.
    assert third.status == DeliveryStatus.QUEUED and third.attempts == 0
    assert third.next_attempt_at > timezone.now()
    assert len(gateway.requests) == 2
    assert services.deliveries_due(now=third.next_attempt_at) == 1
    third.refresh_from_db()
    assert third.status == DeliveryStatus.SENT and len(gateway.requests) == 3


@override_settings(FUGONG_NOTIFY_DEDUP_MINUTES=10)
def test_the_same_event_about_the_same_filing_reaches_a_phone_once_in_the_window(
    cast, gateway, django_capture_on_commit_callbacks
):
    c = cast("sms_dedup")
    filing = submit(c, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_raise(
            kind="resumption.filing_submitted", subject=filing, params={"enterprise": "x"}
        )
    assert len(sms_of(c.reviewer)) == 1 and len(gateway.requests) == 1
    # Each event still reaches the inbox.
    assert Message.objects.filter(user=c.reviewer, event__subject_id=filing.pk).count() == 2


def test_a_gateway_that_keeps_failing_is_retried_then_logged_as_failed(
    cast, gateway, django_capture_on_commit_callbacks
):
    c = cast("sms_down")
    gateway.default = (503, {"message": "service unavailable"})
    submit(c, django_capture_on_commit_callbacks)
    [delivery] = sms_of(c.reviewer)
    for _attempt in range(5):
        if delivery.status != DeliveryStatus.QUEUED:
            break
        services.deliveries_due(now=delivery.next_attempt_at)
        delivery.refresh_from_db()
    # FUGONG_NOTIFY_MAX_ATTEMPTS is 3 here: tried three times, then failed with the reason.
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
    assert "503" in delivery.last_error and len(gateway.requests) == 3
    assert "HTTP 503" in services.failure_text(delivery.last_error)  # said in Chinese
