"""Add or update entries of the Chinese catalogue from a PO snippet, under a file lock.

    .venv/bin/python scripts/po_add.py snippet.po [more.po ...]

A snippet is plain PO text (no header needed): ``msgid "…"`` / ``msgstr "…"`` pairs, with
``msgctxt`` and ``msgid_plural`` / ``msgstr[0]`` where needed. Entries already in the catalogue
get the snippet's translation; the rest are appended. Several people (or helpers) may run it at
once: the lock keeps one writer at a time. ``fugong makemessages`` (see tests/test_translations.py)
stays the way to collect strings from the source; this script only fills in translations.
"""

from __future__ import annotations

import fcntl
import sys
from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parent.parent / "fugong/locale/zh_Hans/LC_MESSAGES/django.po"


def merge(snippets: list[str]) -> int:
    changed = 0
    with open(str(CATALOGUE) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        po = polib.pofile(str(CATALOGUE), wrapwidth=79)
        for name in snippets:
            for entry in polib.pofile(name):
                if entry.obsolete or not entry.msgid:
                    continue
                found = po.find(entry.msgid, msgctxt=entry.msgctxt or False)
                if found is None:
                    found = polib.POEntry(
                        msgid=entry.msgid, msgctxt=entry.msgctxt, msgid_plural=entry.msgid_plural
                    )
                    po.append(found)
                found.msgstr = entry.msgstr
                if entry.msgid_plural:
                    found.msgid_plural = entry.msgid_plural
                    found.msgstr_plural = dict(entry.msgstr_plural)
                found.flags = [f for f in entry.flags if f != "fuzzy"]
                changed += 1
        po.save()
    return changed


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print(f"{merge(sys.argv[1:])} entries merged into {CATALOGUE.name}")
