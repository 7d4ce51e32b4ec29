"""Hostile uploads: every hostile file goes through every upload point.

An upload point is one row of ``UPLOAD_POINTS``: its name, how to upload a file there as the
user who may (returning the HTTP response) and how to fetch the stored file back (the URL, or
None where the file is never served, e.g. an import). A new upload point adds a row here and is
tried with every file of ``HOSTILE_FILES``.

For each pair the suite asserts that:

- the upload answers with a page or JSON, never a server error;
- a file the point refuses leaves nothing behind and the answer says why;
- a stored file has a generated name with the extension of a type the point accepts: nothing
  of the user's name (``../``, ``.html``, NUL) reaches the storage path;
- fetched back, it carries ``nosniff`` and a CSP that runs nothing, its content type is never
  HTML, SVG or XML, only an image or a PDF may be shown inline, and an image comes back
  re-encoded: the payload after it is gone;
- the files below that can never be right (empty, too large, a pixel bomb, SVG, HTML) are
  refused by every point.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from fugong.accounts.choices import Role
from fugong.accounts.models import Jurisdiction, Membership
from fugong.enterprises.models import ImportBatch
from fugong.inspections.models import ChecklistTemplate
from fugong.reports.models import ReportTemplate
from fugong.resumption.choices import EDITABLE, Status
from fugong.resumption.demo import png_bytes
from fugong.resumption.models import AcceptanceAnswer, Filing, FilingAttachment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "small_limits")]

PAYLOAD = b"<html><body><script>alert(document.domain)</script></body></html>"


@pytest.fixture
def english(client):
    """Pages and messages in English, so the assertions can read them."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def small_limits(settings):
    """Limits small enough that an "oversized" file stays cheap to build."""
    settings.FUGONG_ATTACHMENT_MAX_MB = 1
    settings.FUGONG_MAX_UPLOAD_MB = 1
    settings.FUGONG_MAX_IMAGE_PIXELS = 40_000_000


# ------------------------------------------------------------------------- hostile files


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def pixel_bomb_png(side: int = 20_000) -> bytes:
    """A real PNG of side × side black pixels (1 bit each): a few dozen KB on disk, 400 million
    pixels (1.2 GB as RGB) once decoded."""
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + side // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


PDF_WITH_JS = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj
4 0 obj << /Type /Action /S /JavaScript /JS (app.alert('x')) >> endobj
trailer << /Root 1 0 R >>
%%EOF
"""

SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.cookie)</script></svg>"
)


@dataclass(frozen=True)
class Hostile:
    name: str  # the test id
    filename: str  # the name the browser sends
    data: Callable[[], bytes]
    # Which upload points must refuse it: "all", "served" (those that serve files back; an
    # import may keep any bytes, it only reads them), or "" (it may be kept, made harmless).
    refused: str
    # Words of the English sentence a refusal gives (one of them).
    words: tuple[str, ...] = ("not a",)


HOSTILE_FILES: list[Hostile] = [
    Hostile("png-html-polyglot", "photo.html", lambda: png_bytes("p") + PAYLOAD, ""),
    Hostile("jpeg-html-polyglot", "photo.jpg.html", lambda: jpeg_bytes() + PAYLOAD, ""),
    Hostile("svg-script", "logo.svg", lambda: SVG_WITH_SCRIPT, "served"),
    Hostile("svg-named-png", "logo.png", lambda: SVG_WITH_SCRIPT, "served"),
    Hostile("html-name", "index.html", lambda: PAYLOAD, "served"),
    Hostile("pdf-javascript", "plan.pdf", lambda: PDF_WITH_JS, ""),
    Hostile("pixel-bomb", "bomb.png", pixel_bomb_png, "served", ("too large", "not a")),
    Hostile(
        "oversized",
        "big.png",
        lambda: png_bytes("b") + b"\x00" * (6 * 1024 * 1024),  # above 1 MB and above 5 MB
        "all",
        ("larger than",),
    ),
    Hostile("zero-bytes", "empty.png", lambda: b"", "all", ("empty",)),
    Hostile("path-traversal", "../../x.png", lambda: png_bytes("t") + PAYLOAD, ""),
    Hostile("nul-in-name", "a\x00.html.png", lambda: png_bytes("n") + PAYLOAD, ""),
]


# ------------------------------------------------------------------------- upload points


@dataclass
class UploadPoint:
    name: str
    # The types the point stores (extensions of stored names).
    stores: tuple[str, ...]
    # (client, user fixture) -> a callable that uploads one file and returns the response.
    prepare: Callable
    # The stored records of the point, newest last (to tell what an upload added).
    records: Callable
    # The stored file of a record (a FieldFile).
    stored: Callable
    # The URL a record's file is fetched back from; None: the point never serves its files.
    fetch_url: Callable | None


def _enterprise_user_and_filing(user):
    """An enterprise user and a draft filing of theirs (created if the demo has none)."""
    from fugong.resumption import services

    who = user("town01_ent1")
    enterprise = (
        Membership.objects.filter(user=who, role=Role.ENTERPRISE, is_active=True).first().enterprise
    )
    filing = services.open_filing(enterprise)
    if filing is None or filing.status not in EDITABLE:
        Filing.objects.filter(enterprise=enterprise).delete()
        filing = services.filing_create(actor=who, enterprise=enterprise)
    return who, filing


def prepare_attachment_page(client, user):
    who, filing = _enterprise_user_and_filing(user)
    client.force_login(who)

    def upload(upload_file):
        return client.post(
            f"/resumption/{filing.pk}/attachments/", {"kind": "plan", "file": upload_file}
        )

    return upload


def prepare_attachment_api(client, user):
    from tests.conftest import DEMO_PASSWORD

    who, filing = _enterprise_user_and_filing(user)
    token = client.post(
        "/api/v1/auth/token",
        {"username": who.username, "password": DEMO_PASSWORD},
        content_type="application/json",
    ).json()["token"]
    client.force_login(who)  # to fetch the file back through the page

    def upload(upload_file):
        return client.post(
            f"/api/v1/filings/{filing.pk}/attachments",
            {"kind": "roster", "file": upload_file},
            headers={"Authorization": f"Bearer {token}"},
        )

    return upload


def _first_photo_item():
    template = ChecklistTemplate.objects.get(code="acceptance", version=1)
    return template.items.filter(photo_required=True).order_by("position").first()


def prepare_acceptance_photo(client, user):
    filing = Filing.objects.filter(status=Status.ACCEPTANCE_SCHEDULED).order_by("pk").first()
    assert filing is not None, "the demo has a filing waiting for acceptance"
    inspector = (
        Membership.objects.filter(
            office=filing.lead_office,
            role__in=[Role.REVIEWER, Role.PARK_OPERATOR],
            is_active=True,
        )
        .first()
        .user
    )
    client.force_login(inspector)
    template = ChecklistTemplate.objects.get(code="acceptance", version=1)
    items = list(template.items.all())
    photo_items = [i for i in items if i.photo_required]
    assert photo_items and photo_items[0] == _first_photo_item()

    def upload(upload_file):
        data = {"revision": filing.revision, "opinion": "现场核查"}
        for item in items:
            data[f"item_{item.pk}"] = "pass"
        for item in photo_items[1:]:
            data[f"item_{item.pk}_photo"] = SimpleUploadedFile(f"ok{item.pk}.png", png_bytes("ok"))
        data[f"item_{photo_items[0].pk}_photo"] = upload_file
        return client.post(f"/resumption/{filing.pk}/acceptance/", data)

    return upload


def prepare_report_template(client, user):
    client.force_login(user("county_cmd"))
    county = Jurisdiction.objects.get(level="county")

    def upload(upload_file):
        return client.post(
            "/stats/reports/templates/upload/",
            {"jurisdiction": county.pk, "kind": "narrative_town", "file": upload_file},
        )

    return upload


def prepare_import(client, user):
    client.force_login(user("county_cmd"))

    def upload(upload_file):
        return client.post("/enterprises/import/", {"file": upload_file, "mode": "all"})

    return upload


UPLOAD_POINTS: list[UploadPoint] = [
    UploadPoint(
        "filing-attachment-page",
        ("pdf", "docx", "xlsx", "jpg", "png"),
        prepare_attachment_page,
        records=lambda: FilingAttachment.objects.order_by("pk"),
        stored=lambda r: r.file,
        fetch_url=lambda r: f"/resumption/attachments/{r.pk}/",
    ),
    UploadPoint(
        "filing-attachment-api",
        ("pdf", "docx", "xlsx", "jpg", "png"),
        prepare_attachment_api,
        records=lambda: FilingAttachment.objects.order_by("pk"),
        stored=lambda r: r.file,
        fetch_url=lambda r: f"/resumption/attachments/{r.pk}/",
    ),
    UploadPoint(
        "acceptance-photo",
        ("jpg", "png"),
        prepare_acceptance_photo,
        records=lambda: (
            AcceptanceAnswer.objects.exclude(photo="")
            .filter(item=_first_photo_item())
            .order_by("pk")
        ),
        stored=lambda r: r.photo,
        fetch_url=lambda r: f"/resumption/photos/{r.pk}/",
    ),
    UploadPoint(
        "report-template",
        ("docx",),
        prepare_report_template,
        records=lambda: ReportTemplate.objects.order_by("pk"),
        stored=lambda r: r.file,
        fetch_url=lambda r: f"/stats/reports/templates/{r.pk}/download/",
    ),
    UploadPoint(
        "enterprise-import",
        ("xlsx", "xls", "csv"),
        prepare_import,
        records=lambda: ImportBatch.objects.order_by("pk"),
        stored=lambda r: r.file,
        fetch_url=None,  # an import file is read, never served back
    ),
]

STORED_NAME = re.compile(r"^[a-z]+-[0-9a-f]{24}\.([a-z]+)$")


def _media_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()}


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("point", UPLOAD_POINTS, ids=lambda p: p.name)
@pytest.mark.parametrize("hostile", HOSTILE_FILES, ids=lambda h: h.name)
def test_hostile_file_at_upload_point(point: UploadPoint, hostile: Hostile, client, user):
    upload = point.prepare(client, user)
    before_ids = set(point.records().values_list("pk", flat=True))
    before_files = _media_files()

    response = upload(SimpleUploadedFile(hostile.filename, hostile.data()))

    assert response.status_code < 500, _body(response)[:2000]
    added = [r for r in point.records() if r.pk not in before_ids]
    new_files = _media_files() - before_files
    root = Path(settings.MEDIA_ROOT).resolve()
    for path in new_files:  # nothing escapes the media root, nothing keeps the user's name
        assert path.resolve().is_relative_to(root)
        assert ".." not in path.name and "\x00" not in path.name and "html" not in path.name

    serves = point.fetch_url is not None
    if hostile.refused == "all" or (hostile.refused == "served" and serves):
        assert not added, f"{point.name} kept {hostile.filename!r}"
    if not added:  # refused: the answer (a page with the form again, or JSON) says why
        text = _body(response).decode(errors="replace")
        assert any(w in text for w in hostile.words), text[-3000:]
        return

    (record,) = added
    stored = point.stored(record)
    match = STORED_NAME.match(Path(stored.name).name.split("-", 1)[-1]) or STORED_NAME.match(
        Path(stored.name).name
    )
    assert match, f"stored as {stored.name!r}, not a generated name"
    assert match.group(1) in point.stores
    with stored.open("rb") as f:
        kept = f.read()
    assert PAYLOAD not in kept or match.group(1) not in ("png", "jpg")
    if match.group(1) in ("png", "jpg"):
        assert b"<script" not in kept and b"<html" not in kept
        with Image.open(io.BytesIO(kept)) as image:
            image.verify()

    if not serves:
        return
    served = client.get(point.fetch_url(record))
    assert served.status_code == 200
    body = _body(served)
    content_type = served["Content-Type"].split(";")[0].strip()
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    assert "script-src" not in served["Content-Security-Policy"]  # default-src 'none' applies
    assert content_type not in ("text/html", "image/svg+xml", "text/xml", "application/xml")
    disposition = served.get("Content-Disposition", "")
    if not disposition.startswith("attachment"):
        assert content_type in ("image/png", "image/jpeg", "application/pdf"), content_type
    assert b"<script" not in body or content_type == "application/pdf"
    assert "\x00" not in disposition and "/" not in disposition.split("filename", 1)[-1]


def test_the_polyglot_photo_is_stored_as_a_clean_png(client, user):
    """The report's case: image bytes followed by HTML, named .html, as an acceptance photo."""
    upload = prepare_acceptance_photo(client, user)
    response = upload(SimpleUploadedFile("x.html", png_bytes("evil") + PAYLOAD))
    assert response.status_code == 302
    answer = AcceptanceAnswer.objects.exclude(photo="").order_by("-pk").first()
    assert answer.photo.name.endswith(".png") and "x.html" not in answer.photo.name
    served = client.get(f"/resumption/photos/{answer.pk}/")
    assert served["Content-Type"] == "image/png"
    assert served["Content-Disposition"].startswith("inline")
    body = _body(served)
    assert PAYLOAD not in body and body.startswith(b"\x89PNG")


def test_an_attachment_keeps_the_users_name_with_the_detected_extension(client, user):
    upload = prepare_attachment_page(client, user)
    upload(SimpleUploadedFile("../../方案.html", png_bytes("x") + PAYLOAD))
    attachment = FilingAttachment.objects.order_by("-pk").first()
    assert attachment.filename == "方案.png" and attachment.content_type == "png"
    served = client.get(f"/resumption/attachments/{attachment.pk}/")
    assert served["Content-Disposition"].startswith("attachment")
    assert "%E6%96%B9%E6%A1%88.png" in served["Content-Disposition"]


def test_no_url_serves_the_media_directory(client, user):
    """Uploaded files are reached only through the views that check scope and set their type
    (in development as in production): /media/ is not served."""
    upload = prepare_attachment_page(client, user)
    upload(SimpleUploadedFile("plan.png", png_bytes("m")))
    stored = FilingAttachment.objects.order_by("-pk").first().file.name
    assert client.get(f"{settings.MEDIA_URL}{stored}").status_code == 404


def test_every_page_sends_nosniff_and_the_csp(client, user):
    client.force_login(user("county_cmd"))
    urls = ("/", "/enterprises/", "/account/login/", "/resumption/", "/no-such-page/")
    for url in (*urls, "/api/v1/jobs", "/static/fugong/behaviours.js"):
        response = client.get(url)
        assert response["X-Content-Type-Options"] == "nosniff", url
    for url in urls:
        response = client.get(url)
        assert response["X-Content-Type-Options"] == "nosniff", url
        policy = response["Content-Security-Policy"]
        assert (
            "script-src 'self'" in policy
            and "unsafe-inline" not in policy.split("script-src", 1)[1].split(";")[0]
        )
        assert "unsafe-eval" not in policy
        for part in (
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ):
            assert part in policy, (url, part)


def test_an_image_loses_its_metadata_when_stored(client, user):
    """Re-encoding drops EXIF (a photo's GPS position, camera, comments)."""
    exif = Image.Exif()
    exif[0x010E] = "<script>alert(1)</script>"  # ImageDescription
    exif[0x8825] = {2: (30.0, 0.0, 0.0)}  # GPSInfo: latitude
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(out, format="JPEG", exif=exif)
    assert b"Exif" in out.getvalue()
    upload = prepare_attachment_page(client, user)
    upload(SimpleUploadedFile("现场.jpg", out.getvalue()))
    attachment = FilingAttachment.objects.order_by("-pk").first()
    with attachment.file.open("rb") as f:
        kept = f.read()
    assert attachment.content_type == "jpg" and b"Exif" not in kept and b"<script" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.size == (64, 48) and not image.getexif()


def test_a_refused_photo_is_named_with_its_checklist_item(client, user):
    upload = prepare_acceptance_photo(client, user)
    item = _first_photo_item()
    response = upload(SimpleUploadedFile("bomb.png", pixel_bomb_png()))
    body = response.content.decode()
    assert response.status_code == 400
    assert f"{item.position}. {item.text}" in body and "too large" in body


def test_a_storage_path_keeps_nothing_unsafe_of_a_name():
    """Defence in depth under the generated names: the models' upload_to keeps only safe
    characters of whatever name reaches it."""
    from fugong.resumption.models import attachment_path, photo_path

    for path in (
        attachment_path(FilingAttachment(filing_id=7), "..\\..\\a/../../b<x>\x00.html"),
        photo_path(AcceptanceAnswer(acceptance_id=7), "../../.htaccess"),
    ):
        folder, owner, name = path.split("/")
        assert owner == "7" and re.fullmatch(r"[0-9a-f]{16}-[A-Za-z0-9_-][A-Za-z0-9._-]*", name)


@pytest.mark.parametrize(
    "data",
    [
        png_bytes("truncated")[:-60],  # its last chunks cut off
        b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*\x00\x00\x00\x08" + b"\x00" * 40,  # bad EXIF
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # a header and nothing of an image
    ],
    ids=["truncated-png", "jpeg-broken-exif", "png-header-only"],
)
def test_an_image_that_does_not_decode_is_refused_with_a_sentence(data, client, user):
    upload = prepare_attachment_page(client, user)
    response = upload(SimpleUploadedFile("photo.png", data))
    assert response.status_code == 400
    assert "not a readable JPEG or PNG image" in response.content.decode()
