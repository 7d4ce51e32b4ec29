"""What an uploaded file really is, told from its bytes, not its name."""

from __future__ import annotations

import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

from fugong.core.errors import UserError

LABELS = {
    "pdf": "PDF",
    "docx": "Word (.docx)",
    "xlsx": "Excel (.xlsx)",
    "jpg": "JPEG",
    "png": "PNG",
}


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


def check_upload(upload, *, allowed: tuple[str, ...], max_mb: int | None = None) -> str:
    """The file's type if it is one of ``allowed`` and not too large; otherwise a UserError
    saying what to upload instead."""
    max_mb = max_mb or settings.FUGONG_ATTACHMENT_MAX_MB
    kinds = "、".join(LABELS[k] for k in allowed)
    if upload.size > max_mb * 1024 * 1024:
        raise UserError(
            _("“%(name)s” is larger than %(mb)s MB; upload a smaller file.")
            % {"name": upload.name, "mb": max_mb}
        )
    if upload.size == 0:
        raise UserError(_("“%(name)s” is empty.") % {"name": upload.name})
    kind = sniff(upload)
    if kind not in allowed:
        raise UserError(
            _("“%(name)s” is not a %(kinds)s file (its content was checked, not its name).")
            % {"name": upload.name, "kinds": kinds}
        )
    return kind
