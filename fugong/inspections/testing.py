"""Filled checklists for the demo county and the tests (both build their inspections through
the services with these answers)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from fugong.core.images import png_bytes
from fugong.inspections.checklists import Answer, applies
from fugong.inspections.choices import CheckValue, ItemKind


def photo(name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(name), content_type="image/png")


def answers(template, *, fail=(), number=7, skip=(), enterprise=None) -> dict[int, Answer]:
    """An answer to every item of ``template`` that applies to ``enterprise``: pass, except the
    positions in ``fail`` (with a note), and none for those in ``skip``; ``number`` for number
    items; a photo wherever one is asked for."""
    result = {}
    for item in template.items.all():
        if item.position in skip or not applies(item, enterprise):
            continue
        failed = item.position in fail
        result[item.pk] = Answer(
            value=(CheckValue.FAIL if failed else CheckValue.PASS)
            if item.kind == ItemKind.CHECK
            else "",
            number=number if item.kind == ItemKind.NUMBER else None,
            text=f"第{item.position}项问题"
            if failed
            else ("已核查" if item.kind == "text" else ""),
            photo=photo(f"item{item.position}.png")
            if item.photo_required or item.kind == ItemKind.PHOTO
            else None,
        )
    return result
