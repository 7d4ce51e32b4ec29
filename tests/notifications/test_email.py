"""Email, the first channel beyond the inbox (issue 12 point 2), tested against a fake SMTP
server on 127.0.0.1 through Django's SMTP backend: sent after the step commits, in Chinese,
with phone numbers masked; a failure retried after a back-off until it is sent, or logged as
failed with its reason after the last attempt; a refused address not retried; muted kinds
not sent unless mandatory; the delivery log never holds the address."""

from __future__ import annotations

import datetime
from email.header import decode_header, make_header

import pytest
from django.test import override_settings
from django.utils import timezone

from fugong.core.testing import world_fixtures
from fugong.notifications import services
from fugong.notifications.models import Channel, Delivery, DeliveryStatus, Mute
from fugong.resumption import services as filings
from fugong.resumption.choices import Status
from fugong.resumption.testing import add_cast, build_casts, drive, new_filing
from tests.notifications.fakes import FakeSMTP

S = Status

_built, world = world_fixtures(build_casts, scope="module")


@pytest.fixture
def smtp():
    with (
        FakeSMTP() as server,
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=server.port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_TIMEOUT=5,
            FUGONG_SITE_URL="https://fugong.example.gov.cn",
            FUGONG_NOTIFY_MAX_ATTEMPTS=3,
        ),
    ):
        yield server


def subject_of(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body_of(message) -> str:
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


@pytest.fixture
def cast(world):
    def make(name: str, *, email: str = "reviewer@example.gov.cn"):
        c = add_cast(world, "approval", name)
        c.reviewer.email = email
        c.reviewer.save(update_fields=["email"])
        return c

    return make


def submit(c, django_capture_on_commit_callbacks):
    filing = new_filing(c, S.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        filings.filing_submit(actor=c.enterprise, filing=filing)
    return filing


def test_a_submitted_filing_is_emailed_to_the_reviewer_in_chinese_with_its_link(
    cast, smtp, django_capture_on_commit_callbacks
):
    c = cast("mail")
    filing = submit(c, django_capture_on_commit_callbacks)
    [message] = smtp.received
    assert message["To"] == "reviewer@example.gov.cn"
    assert subject_of(message).endswith("提交了复工申请，请审核。")
    assert f"https://fugong.example.gov.cn/resumption/{filing.pk}/" in body_of(message)
    [delivery] = Delivery.objects.filter(user=c.reviewer, channel=Channel.EMAIL)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert not hasattr(delivery, "address") and "example.gov.cn" not in str(vars(delivery))


def test_a_failed_send_is_tried_again_after_a_back_off_until_it_is_sent(
    cast, smtp, django_capture_on_commit_callbacks
):
    c = cast("retry")
    smtp.failures = 2
    submit(c, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(user=c.reviewer)
    assert delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 1
    assert "451" in delivery.last_error and not smtp.received
    # Not before its time: nothing is sent now.
    assert services.deliveries_due() == 0
    later = delivery.next_attempt_at + datetime.timedelta(seconds=1)
    assert services.deliveries_due(now=later) == 0  # the second try fails too
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at > later
    assert services.deliveries_due(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 3
    assert len(smtp.received) == 1


def test_a_send_that_keeps_failing_is_logged_as_failed_with_its_reason(
    cast, smtp, django_capture_on_commit_callbacks, caplog
):
    c = cast("fails")
    smtp.failures = 99
    submit(c, django_capture_on_commit_callbacks)
    now = timezone.now()
    for _ in range(5):
        now += datetime.timedelta(hours=2)
        services.deliveries_due(now=now)
    delivery = Delivery.objects.get(user=c.reviewer)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3  # the maximum
    assert "451" in delivery.last_error
    assert "reviewer@example.gov.cn" not in caplog.text


def test_a_refused_address_is_not_tried_again(cast, smtp, django_capture_on_commit_callbacks):
    c = cast("refused")
    smtp.refuse_recipients = True
    submit(c, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(user=c.reviewer)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert "refused" in delivery.last_error


def test_muted_kinds_are_not_emailed_and_a_user_with_no_address_gets_none(
    cast, smtp, django_capture_on_commit_callbacks
):
    c = cast("muted")
    Mute.objects.create(user=c.reviewer, kind="resumption.filing_submitted", channel=Channel.EMAIL)
    submit(c, django_capture_on_commit_callbacks)
    assert not Delivery.objects.filter(user=c.reviewer).exists() and not smtp.received
    no_address = cast("no_address", email="")
    submit(no_address, django_capture_on_commit_callbacks)
    assert not Delivery.objects.filter(user=no_address.reviewer).exists()
    # Both still have the message in their inbox: the inbox is every event's record.
    assert c.reviewer.messages.exists() and no_address.reviewer.messages.exists()


def test_the_mandatory_notice_reaches_an_enterprise_that_muted_it(
    cast, smtp, django_capture_on_commit_callbacks
):
    c = cast("notice")
    c.enterprise.email = "boss@example.com"
    c.enterprise.save(update_fields=["email"])
    Mute.objects.create(user=c.enterprise, kind="resumption.notice_issued", channel=Channel.EMAIL)
    filing = new_filing(c, S.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        drive(filing, S.NOTICE_ISSUED, c)
    assert Delivery.objects.get(user=c.enterprise).status == DeliveryStatus.SENT
    assert any(m["To"] == "boss@example.com" for m in smtp.received)


def test_the_command_sends_what_waits(cast, smtp, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    c = cast("command")
    smtp.failures = 1
    submit(c, django_capture_on_commit_callbacks)
    Delivery.objects.filter(user=c.reviewer).update(next_attempt_at=timezone.now())
    out = StringIO()
    call_command("notify_due", stdout=out)
    assert "1 notification(s) sent." in out.getvalue() and len(smtp.received) == 1


def test_the_settings_page_mutes_a_kinds_email_but_never_a_mandatory_one(world, client):
    c = world["approval"]
    client.force_login(c.reviewer)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200 and 'data-testid="pref-resumption.notice_issued"' in (
        page.content.decode()
    )
    everything_but = [
        f"{kind.code}|email"
        for kind, _on in page.context["rows"]
        if kind.code != "resumption.filing_submitted"
    ]
    # The form leaves out the submitted filings' email and, as a hostile form may, the notice's.
    sent = [v for v in everything_but if v != "resumption.notice_issued|email"]
    assert client.post("/notifications/preferences/", {"receive": sent}).status_code == 302
    muted = set(Mute.objects.filter(user=c.reviewer).values_list("kind", "channel"))
    assert muted == {("resumption.filing_submitted", "email")}
    rows = dict((k.code, on) for k, on in client.get("/notifications/preferences/").context["rows"])
    assert rows["resumption.filing_submitted"]["email"] is False
    assert rows["resumption.notice_issued"]["email"] is True
    # Another user's settings are their own.
    assert not Mute.objects.filter(user=c.enterprise).exists()
    # Each change is audited; saving the same choices again changes and audits nothing.
    from fugong.core.models import AuditLog

    audited = AuditLog.objects.filter(actor=c.reviewer, object_repr__contains="mutes").count()
    assert audited == 1
    client.post("/notifications/preferences/", {"receive": sent})
    assert AuditLog.objects.filter(actor=c.reviewer, object_repr__contains="mutes").count() == 1


def test_the_log_lists_a_failed_message_and_sends_it_again_for_its_owner_only(
    cast, smtp, client, django_capture_on_commit_callbacks
):
    from fugong.core.models import AuditLog

    c = cast("log")
    smtp.refuse_recipients = True
    submit(c, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(user=c.reviewer, channel=Channel.EMAIL)
    assert delivery.status == DeliveryStatus.FAILED
    client.force_login(c.other_reviewer)  # not theirs: not listed, not sent again
    assert f'value="{delivery.pk}"' not in client.get("/notifications/deliveries/").content.decode()
    assert client.post("/notifications/deliveries/", {"pk": delivery.pk}).status_code == 404
    client.force_login(c.reviewer)
    page = client.get("/notifications/deliveries/?status=failed").content.decode()
    assert 'data-testid="retry"' in page and "refused" in page
    smtp.refuse_recipients = False
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/notifications/deliveries/", {"pk": delivery.pk}).status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(smtp.received) == 1
    assert AuditLog.objects.filter(object_id=str(delivery.pk), actor=c.reviewer).exists()
    # A message already sent is not sent again.
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/notifications/deliveries/", {"pk": delivery.pk})
    assert len(smtp.received) == 1


def test_a_channel_that_breaks_leaves_the_message_to_retry_and_sends_the_rest(
    cast, smtp, django_capture_on_commit_callbacks
):
    from unittest import mock

    c = cast("broken")
    calls = []

    def broken_then_fine(delivery):
        calls.append(delivery.pk)
        if len(calls) == 1:
            raise KeyError("a bug")

    with mock.patch.dict(services.CHANNELS, {Channel.EMAIL: broken_then_fine}):
        submit(c, django_capture_on_commit_callbacks)
        delivery = Delivery.objects.get(user=c.reviewer, channel=Channel.EMAIL)
        assert delivery.status == DeliveryStatus.QUEUED and "KeyError" in delivery.last_error
        assert services.deliveries_due(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
