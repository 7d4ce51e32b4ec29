"""Phone and ID numbers: masked on screen for roles that do not need them, never in the audit
log, never in a log (Django's handlers and gunicorn's access log)."""

from __future__ import annotations

import datetime
import io
import json
import logging
import re
from types import SimpleNamespace

import pytest

from fugong.accounts.testing import build_county
from fugong.core.audit import history_for
from fugong.core.masking import (
    PersonalDataLogFilter,
    mask_id_number,
    mask_phone,
    mask_structure,
    mask_text,
)
from fugong.core.models import AuditLog
from fugong.core.testing import Call, send, world_fixtures
from fugong.enterprises.models import Enterprise
from fugong.enterprises.services import enterprise_update
from fugong.enterprises.testing import build_registry
from fugong.resumption.services import filing_update
from fugong.resumption.testing import add_filing, owner_of, reviewer_of, submitted_filing

# What "a phone or ID number in clear" looks like, written independently of the masking code:
# a number standing on its own (not digits inside a longer token such as a random file name).
SHAPES = re.compile(
    r"(?<![\dA-Za-z])1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![\dA-Za-z])"  # mobile
    r"|(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])"  # resident ID
)
PHONE = "13812345678"
ID_NUMBER = "11010119900307123X"


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""


def test_mask_id_number():
    assert mask_id_number("110101199003071234") == "110101********1234"


def test_mask_text_hides_phones_and_ids():
    text = mask_text("联系人 13812345678,身份证 11010119900307123X")
    assert "13812345678" not in text and "11010119900307123X" not in text
    assert "138****5678" in text


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("tel13812345678", "1234"),
        ("+8613812345678", "1234"),
        ("q=138+1234+5678&page=2", "1234"),
        ("138-1234-5678", "1234"),
        ("/enterprises/?contact=13812345678", "1234"),
        ("张三13812345678.pdf", "1234"),
        ("身份证号110101199003071234。", "19900307"),
    ],
)
def test_mask_text_catches_the_usual_spellings(text, hidden):
    masked = mask_text(text)
    assert hidden not in masked and "****" in masked, masked


def test_mask_text_leaves_dates_times_and_ids_of_records_alone():
    for text in ["2026-12-06T15:16:00+08:00", "第 12345 号", "8e0f0571-4c1d-8a2b-123456789012"]:
        assert mask_text(text) == text


def test_mask_structure_reaches_inside_json():
    masked = mask_structure(
        {"leaders": [{"name": "张三", "phone": PHONE}, {"phone": int(PHONE)}], "n": 3, "ok": True}
    )
    assert not SHAPES.search(json.dumps(masked))
    assert masked["n"] == 3 and masked["ok"] is True and masked["leaders"][0]["name"] == "张三"


def test_log_filter_masks_personal_data(caplog):
    logger = logging.getLogger("fugong.test.masking")
    logger.addFilter(PersonalDataLogFilter())
    with caplog.at_level(logging.INFO, logger="fugong.test.masking"):
        logger.info("calling %s about %s", "13812345678", "110101199003071234")
    assert "13812345678" not in caplog.text and "110101199003071234" not in caplog.text


def test_log_filter_masks_tracebacks_too():
    handler = logging.StreamHandler(io.StringIO())
    handler.addFilter(PersonalDataLogFilter())
    logger = logging.getLogger("fugong.test.masking.traceback")
    logger.addHandler(handler)
    try:
        raise ValueError(f"bad phone {PHONE}")
    except ValueError:
        logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    output = handler.stream.getvalue()
    assert "ValueError" in output and PHONE not in output and "138****5678" in output


# --- the demo's audit log ----------------------------------------------------------------------


@pytest.mark.django_db
def test_no_audit_row_of_the_demo_holds_a_phone_or_id_number():
    rows = 0
    found = []
    for row in AuditLog.objects.iterator():
        rows += 1
        text = json.dumps([row.object_repr, row.reason, row.before, row.after], ensure_ascii=False)
        match = SHAPES.search(text)
        if match:
            found.append((row.pk, text[max(0, match.start() - 60) : match.end()]))
    assert rows > 100  # the demo writes its data through audited services
    assert not found, found[:5]
    # The leading groups are there, readable, with their numbers masked.
    masked = AuditLog.objects.filter(after__icontains="****").count()
    assert masked > 0


def masked_world() -> SimpleNamespace:
    """A small registry of its own (fugong.enterprises.testing) with a submitted filing whose
    leading group holds a phone and an ID number, its owner and a reviewer of its lead office."""
    registry = build_registry(build_county())
    filing = submitted_filing(
        registry,
        registry.enterprises[1][0],
        leading_group=f"张三 总经理 {PHONE}\n李四 副组长 身份证{ID_NUMBER}",
    )
    assert filing.lead_office_id and SHAPES.search(filing.leading_group)
    return SimpleNamespace(
        registry=registry,
        filing=filing,
        owner=owner_of(filing.enterprise),
        reviewer=reviewer_of(filing),
    )


_built, world = world_fixtures(masked_world)


class TestOnItsOwnCounty:
    def test_a_filing_edit_is_audited_with_the_numbers_masked(self, world):
        filing = add_filing(world.registry, world.registry.enterprises[1][1])
        filing_update(
            actor=owner_of(filing.enterprise),
            filing=filing,
            leading_group=f"王五 组长 {PHONE}\n赵六 副组长 身份证{ID_NUMBER}",
            emergency_plan=f"值班电话 {PHONE}",
        )
        row = history_for(filing).first()
        text = json.dumps([row.before, row.after], ensure_ascii=False)
        assert not SHAPES.search(text)
        assert "王五 组长 138****5678" in row.after["leading_group"]

    def test_a_reviewer_sees_the_leading_group_masked_the_enterprise_in_full(self, client, world):
        client.force_login(world.reviewer)
        page = client.get(f"/resumption/{world.filing.pk}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert not SHAPES.search(html.split('data-testid="leading-group"')[1].split("</dd>")[0])
        assert "****" in html
        client.force_login(world.owner)
        html = client.get(f"/resumption/{world.filing.pk}/").content.decode()
        shown = html.split('data-testid="leading-group"')[1].split("</dd>")[0]
        assert SHAPES.search(shown)

    def test_the_api_masks_the_leading_group_for_a_reviewer(self, client, world):
        url = f"/api/v1/filings/{world.filing.pk}"
        body = send(client, Call(world.reviewer, "get", url)).json()
        assert not SHAPES.search(json.dumps(body["application"], ensure_ascii=False))
        body = send(client, Call(world.owner, "get", url)).json()
        assert SHAPES.search(body["application"]["leading_group"])

    def test_a_run_of_typical_requests_logs_no_phone_or_id_number(self, client, world, tmp_path):
        client.force_login(world.registry["w_t1_cmd"])
        a_run_of_typical_requests_logs_no_phone_or_id_number(client, tmp_path)

    def test_an_enterprise_remark_with_a_phone_is_audited_masked(self, client, world):
        enterprise = Enterprise.objects.get(pk=world.registry.enterprises[1][1].pk)
        admin = world.registry["w_admin"]
        enterprise_update(
            actor=admin,
            enterprise=enterprise,
            remarks=f"备用电话{PHONE}，法人身份证{ID_NUMBER}",
            address=f"青溪县城关街道1号（门卫 {PHONE}）",
        )
        row = history_for(enterprise).first()
        text = json.dumps([row.before, row.after], ensure_ascii=False)
        assert not SHAPES.search(text), text
        assert "备用电话138****5678" in row.after["remarks"]
        client.force_login(admin)
        page = client.get(f"/history/enterprises/enterprise/{enterprise.pk}/")
        assert page.status_code == 200
        assert PHONE not in page.content.decode()

    def test_a_refused_page_logs_one_line_not_a_traceback(self, client, world):
        client.force_login(world.registry["w_t1_ent1"])
        a_refused_page_logs_one_line_not_a_traceback(client)


# --- logs ---------------------------------------------------------------------------------------


def _configured_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    handlers = []
    for logger in loggers:
        for handler in logger.handlers:
            # pytest's own capture handlers are not ours to configure.
            if type(handler).__module__.startswith("_pytest"):
                continue
            if isinstance(handler, logging.NullHandler):
                continue
            handlers.append(handler)
    return handlers


def test_every_log_handler_masks_personal_data():
    handlers = _configured_handlers()
    assert handlers
    unmasked = [
        h for h in handlers if not any(isinstance(f, PersonalDataLogFilter) for f in h.filters)
    ]
    assert not unmasked, unmasked


class _Response:
    def __init__(self, status: int, size: int):
        self.status = f"{status} X"
        self.sent = size
        self.headers = []


class _Request:
    headers: list = []


def a_run_of_typical_requests_logs_no_phone_or_id_number(client, tmp_path):
    """The output of our log handlers and of gunicorn's access log (as ``fugong serve`` starts
    it) over requests that carry phone and ID numbers in their paths and query strings."""
    from gunicorn.config import Config

    from fugong.core.access_log import GunicornLogger

    buffer = io.StringIO()
    handlers = _configured_handlers()
    streams = [(h, h.setStream(buffer)) for h in handlers if isinstance(h, logging.StreamHandler)]
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    access = GunicornLogger(cfg)
    try:
        urls = [
            f"/enterprises/?q={PHONE}",
            f"/enterprises/?q={ID_NUMBER}&page=2",
            "/enterprises/?contact=138+1234+5678",
            f"/resumption/?q={PHONE}",
            f"/enterprises/{PHONE}/",  # a 404, logged by django.request
            f"/api/v1/enterprises?q={PHONE}",  # 401 without a token
            f"/api/v1/nothing/{ID_NUMBER}",
            f"/stats/?node={PHONE}",
        ]
        for url in urls:
            response = client.get(url, HTTP_REFERER=f"http://testserver/?from={PHONE}")
            environ = dict(response.wsgi_request.environ)
            query = environ.get("QUERY_STRING", "")
            environ["RAW_URI"] = environ["PATH_INFO"] + (f"?{query}" if query else "")
            environ.setdefault("SERVER_PROTOCOL", "HTTP/1.1")
            access.access(
                _Response(response.status_code, len(response.content)),
                _Request(),
                environ,
                datetime.timedelta(milliseconds=5),
            )
        logging.getLogger("fugong.test").warning("caller %s, ID %s", PHONE, ID_NUMBER)
    finally:
        for handler, old in streams:
            handler.setStream(old)
        for log in (access.access_log, access.error_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
                handler.close()
    output = buffer.getvalue() + (tmp_path / "access.log").read_text()
    assert "Not Found" in output and "/enterprises/?q=138****5678" in output
    assert output.count("\n") >= len(urls)
    found = SHAPES.findall(output)
    assert not found, found


def test_fugong_serve_starts_gunicorn_with_the_masking_logger():
    import inspect

    from fugong.core.management.commands import serve

    source = inspect.getsource(serve)
    assert '"--logger-class"' in source and "fugong.core.access_log.GunicornLogger" in source


def test_personal_data_models_declare_their_masked_fields():
    """Every model field that holds a phone or ID number, and the free text that may."""
    from django.apps import apps

    hints = re.compile(r"phone|mobile|id_number|id_card|identity|leading_group")
    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in {
            "accounts",
            "enterprises",
            "resumption",
            "stats",
            "reporting",
            "reports",
        }:
            continue
        masked = set(getattr(model, "audit_masked_fields", ()))
        for field in model._meta.concrete_fields:
            if hints.search(field.name) and field.name not in masked:
                missing.append(f"{model.__name__}.{field.name}")
    assert not missing, missing


# Free text a user types about an enterprise, a report or a rule (remarks, notes, reasons,
# addresses) may hold a phone or ID number as well as a leading group does.
FREE_TEXT = re.compile(r"^(remarks|note|notes|address|reason|opinion|comment|message)$")


def test_free_text_fields_are_masked_in_the_audit_log():
    from django.apps import apps

    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in {
            "accounts",
            "enterprises",
            "resumption",
            "stats",
            "reporting",
            "reports",
        }:
            continue
        masked = set(getattr(model, "audit_masked_fields", ()))
        for field in model._meta.concrete_fields:
            if FREE_TEXT.search(field.name) and field.name not in masked:
                missing.append(f"{model.__name__}.{field.name}")
    assert not missing, missing


def a_refused_page_logs_one_line_not_a_traceback(client):
    """Every 403 wrote Django's "Forbidden (Permission denied)" with a full traceback; a client
    error now logs its line alone, and a server error keeps its traceback."""
    from django.http import HttpRequest

    buffer = io.StringIO()
    handlers = _configured_handlers()
    streams = [(h, h.setStream(buffer)) for h in handlers if isinstance(h, logging.StreamHandler)]
    try:
        assert client.get("/admin/").status_code in (302, 403)
        assert client.post("/enterprises/new/", {}).status_code == 403
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logging.getLogger("django.request").error(
                "Internal Server Error: /x",
                exc_info=True,
                extra={"status_code": 500, "request": HttpRequest()},
            )
    finally:
        for handler, old in streams:
            handler.setStream(old)
    output = buffer.getvalue()
    assert "Forbidden" in output
    assert output.count("Traceback") == 1 and "RuntimeError: boom" in output
