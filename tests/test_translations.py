"""The translation catalogues stay complete and well-formed, and the Chinese one is used.

No database is needed. To refresh the catalogue after adding strings::

    FUGONG_DATA_DIR=/tmp/fg-i18n .venv/bin/fugong makemessages -l zh_Hans --ignore=.venv \
        --ignore=node_modules --ignore=build --ignore=var --ignore=tests --no-location
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

# %(name)s / %(name)d / ... and the positional %s / %d; "%%" is a literal percent sign.
PYTHON_FORMAT = re.compile(
    r"%(?:\((?P<name>\w+)\))?[-#0 +]*\d*(?:\.\d+)?(?P<conv>[sdifeEgGxXocr%])"
)
# {{ name }} / {{ name|filter }} left in a msgid, and str.format-style {name}.
TEMPLATE_VAR = re.compile(r"\{\{\s*([^}]*?)\s*\}\}|(?<!\{)\{(\w*)\}(?!\})")


def placeholders(text: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for m in PYTHON_FORMAT.finditer(text):
        if m["conv"] == "%":
            continue
        found[m[0]] += 1
    for m in TEMPLATE_VAR.finditer(text):
        found[m[0].replace(" ", "")] += 1
    return found


def po_files() -> list[Path]:
    return sorted(p for root in settings.LOCALE_PATHS for p in Path(root).rglob("*.po"))


def entry_problems(entry: polib.POEntry) -> list[str]:
    problems = []
    if "fuzzy" in entry.flags:
        problems.append("fuzzy")
    if entry.msgid_plural:
        translations = [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
        source = entry.msgid_plural
        # The singular and plural English forms must agree on placeholders, too.
        if placeholders(entry.msgid) != placeholders(entry.msgid_plural):
            problems.append("msgid and msgid_plural have different placeholders")
    else:
        translations = [entry.msgstr]
        source = entry.msgid
    if not translations or not all(t.strip() for t in translations):
        problems.append("untranslated")
        return problems
    expected = placeholders(source)
    for text in translations:
        got = placeholders(text)
        if set(got) != set(expected):
            problems.append(f"placeholders {sorted(expected)} in msgid, {sorted(got)} in msgstr")
        if "python-format" in entry.flags or expected:
            specs = [m for m in PYTHON_FORMAT.finditer(text) if m["conv"] != "%"]
            names = {m["name"] for m in specs if m["name"]}
            args = dict.fromkeys(names, 1) if names else (1,) * len(specs)
            try:
                text % args
            except (TypeError, ValueError, KeyError) as exc:
                problems.append(f"msgstr is not a valid format string ({exc})")
    return problems


def test_catalogues_exist():
    files = po_files()
    assert files, f"no .po file under {settings.LOCALE_PATHS}"
    languages = {p.parent.parent.name for p in files}
    assert "zh_Hans" in languages


@pytest.mark.parametrize("po_path", po_files(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_entry_translated(po_path: Path):
    po = polib.pofile(str(po_path))
    assert po.metadata.get("Language"), "the header has no Language"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    if po.metadata.get("Language", "").startswith("zh"):
        assert po.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"

    bad = []
    for entry in po:
        if entry.obsolete:
            continue
        problems = entry_problems(entry)
        if problems:
            bad.append(f"  {entry.msgid!r}: {'; '.join(problems)}")
    assert not bad, f"{po_path}: {len(bad)} bad entries:\n" + "\n".join(bad)


@pytest.fixture
def compiled_messages(settings):
    """Compile .po → .mo, then make Django drop any catalogue it had already loaded
    (changing LOCALE_PATHS clears the translation caches)."""
    call_command("build_messages", verbosity=0)
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)
    yield


def test_chinese_is_used(compiled_messages):
    with translation.override("zh-hans"):
        assert translation.gettext("Log in") == "登录"
        assert translation.gettext("Enterprises") == "企业"
        text = translation.ngettext("%(counter)s record", "%(counter)s records", 3)
        assert text % {"counter": 3} == "共 3 条记录"
    with translation.override("en"):
        assert translation.gettext("Log in") == "Log in"
