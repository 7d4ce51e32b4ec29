"""What an uploaded file really is, told from its bytes, not its name; how it is stored and
served back.

Every stored upload is hostile until checked:

- its type comes from its content (``sniff``), never from its name;
- it is stored under a generated name whose extension is that type (``stored_name``), so
  nothing the user typed reaches the storage path;
- an image is decoded and encoded again with Pillow (``reencode_image``): bytes after the
  image (an HTML or script payload), metadata and other chunks are dropped, and an image whose
  pixel count is above ``FUGONG_MAX_IMAGE_PIXELS`` (a decompression bomb) is refused before it
  is decoded;
- it is served (``file_response``) with the content type of its detected type, inline only
  for an image or a PDF, as an attachment otherwise, with ``nosniff`` and a CSP that runs
  nothing.
"""

from __future__ import annotations

import io
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.utils.translation import gettext as _

from fugong.core.errors import UserError

LABELS = {
    "pdf": "PDF",
    "docx": "Word (.docx)",
    "xlsx": "Excel (.xlsx)",
    "jpg": "JPEG",
    "png": "PNG",
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "csv": "text/csv",
    "jpg": "image/jpeg",
    "png": "image/png",
}
IMAGE_KINDS = frozenset({"jpg", "png"})
# The only types a browser may show in the page rather than download.
INLINE_KINDS = frozenset({"jpg", "png", "pdf"})
# Served files run nothing, even if a browser were to render one.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def sniff(upload) -> str | None:
    """'pdf', 'docx', 'xlsx', 'jpg', 'png' or None, from the file's content."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
    return None


def stored_name(kind: str, prefix: str = "file") -> str:
    """A generated file name for storage: random, with the extension of the detected type."""
    return f"{prefix}-{secrets.token_hex(12)}.{kind}"


def safe_filename(name: str | None, *, max_length: int = 200) -> str:
    """The name a user gave a file, fit to show and to offer as a download name: only its last
    path part, without control characters (NUL included) or leading dots."""
    text = unicodedata.normalize("NFKC", str(name or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = text.strip().lstrip(".").strip()
    return text[-max_length:] or "file"


def display_name(name: str | None, kind: str, *, max_length: int = 200) -> str:
    """``safe_filename`` with the extension of the detected type, e.g. "photo.html" that is a
    PNG becomes "photo.png"."""
    base = safe_filename(name, max_length=max_length)
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem.strip() or "file"
    return f"{stem[: max_length - len(kind) - 1]}.{kind}"


def _not_image(name: str) -> UserError:
    return UserError(
        _("“%(name)s” is not a readable JPEG or PNG image; take the photo again.")
        % {"name": safe_filename(name)},
        code="bad_image",
    )


def reencode_image(upload, kind: str, *, name: str = "") -> bytes:
    """The image decoded and encoded again (same type), without anything after it, without
    metadata, refused if it has more pixels than FUGONG_MAX_IMAGE_PIXELS."""
    from PIL import Image, ImageOps

    limit = settings.FUGONG_MAX_IMAGE_PIXELS
    upload.seek(0)
    try:
        with Image.open(upload, formats=["PNG" if kind == "png" else "JPEG"]) as img:
            width, height = img.size
            if width * height > limit:
                raise UserError(
                    _(
                        "“%(name)s” is %(w)s × %(h)s pixels; images up to %(mp)s million pixels "
                        "are accepted. Take it again at a lower resolution."
                    )
                    % {
                        "name": safe_filename(name),
                        "w": width,
                        "h": height,
                        "mp": round(limit / 1_000_000),
                    },
                    code="image_too_large",
                )
            img.load()
            img = ImageOps.exif_transpose(img)  # keep the orientation the EXIF data gave
            out = io.BytesIO()
            if kind == "jpg":
                if img.mode not in ("RGB", "L"):
                    img = img.convert("RGB")
                img.save(out, format="JPEG", quality=88, optimize=True)
            else:
                if img.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    img = img.convert("RGBA")
                img.save(out, format="PNG", optimize=False)
    except UserError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(
            _("“%(name)s” is too large an image; take it again at a lower resolution.")
            % {"name": safe_filename(name)},
            code="image_too_large",
        ) from None
    except Exception:  # noqa: BLE001 - truncated, corrupt or hostile: it does not decode
        raise _not_image(name) from None
    finally:
        upload.seek(0)
    return out.getvalue()


def check_upload(upload, *, allowed: tuple[str, ...], max_mb: int | None = None) -> str:
    """The file's type if it is one of ``allowed`` and not too large; otherwise a UserError
    saying what to upload instead."""
    max_mb = max_mb or settings.FUGONG_ATTACHMENT_MAX_MB
    kinds = "、".join(LABELS[k] for k in allowed)
    name = safe_filename(upload.name)
    if upload.size > max_mb * 1024 * 1024:
        raise UserError(
            _("“%(name)s” is larger than %(mb)s MB; upload a smaller file.")
            % {"name": name, "mb": max_mb}
        )
    if upload.size == 0:
        raise UserError(_("“%(name)s” is empty.") % {"name": name})
    kind = sniff(upload)
    if kind not in allowed:
        raise UserError(
            _("“%(name)s” is not a %(kinds)s file (its content was checked, not its name).")
            % {"name": name, "kinds": kinds}
        )
    return kind


@dataclass(frozen=True)
class CleanUpload:
    kind: str  # the detected type: 'pdf', 'png', …
    content: ContentFile  # what to store, under a generated name
    filename: str  # the user's name, safe to show, with the detected type's extension
    size: int


def clean_upload(
    upload, *, allowed: tuple[str, ...], max_mb: int | None = None, prefix: str = "file"
) -> CleanUpload:
    """Check an upload (``check_upload``) and make what is stored of it: an image re-encoded,
    any file under a generated name with the extension of its detected type."""
    kind = check_upload(upload, allowed=allowed, max_mb=max_mb)
    if kind in IMAGE_KINDS:
        data = reencode_image(upload, kind, name=upload.name)
    else:
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
    return CleanUpload(
        kind=kind,
        content=ContentFile(data, name=stored_name(kind, prefix)),
        filename=display_name(upload.name, kind),
        size=len(data),
    )


def file_response(
    fieldfile, *, kind: str | None, filename: str, inline: bool = False
) -> FileResponse:
    """A stored file for download. The content type is that of its detected ``kind`` (never
    guessed from a name); it is shown in the browser only when ``inline`` is asked and it is an
    image or a PDF, otherwise it is downloaded. It carries nosniff and a CSP that runs nothing."""
    show = inline and kind in INLINE_KINDS
    response = FileResponse(
        fieldfile.open("rb"),
        as_attachment=not show,
        filename=safe_filename(filename),
        content_type=CONTENT_TYPES.get(kind or "", "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    return response
