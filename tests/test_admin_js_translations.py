"""The admin's scripts (the two-box widget of a many-to-many field, the calendar, the action
bar) get their words from /admin/jsi18n/: in zh-hans every one of them is Chinese, including
those Django's own catalogue has not translated yet."""

from __future__ import annotations

import json
import re
from pathlib import Path

import django.contrib.admin
import pytest

ADMIN_JS = Path(django.contrib.admin.__file__).parent / "static" / "admin" / "js"
GETTEXT = re.compile(r"""\bgettext\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\)""")


def admin_script_words() -> set[str]:
    words = set()
    for path in ADMIN_JS.rglob("*.js"):
        if "vendor" in path.parts:
            continue
        for match in GETTEXT.finditer(path.read_text(encoding="utf-8")):
            words.add((match.group(1) or match.group(2)).replace("\\'", "'").replace('\\"', '"'))
    return words


@pytest.mark.django_db
def test_every_word_of_the_admin_scripts_is_chinese(client, login):
    login("admin")
    body = client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", body, re.S).group(1))
    words = admin_script_words()
    assert len(words) > 20
    missing = sorted(w for w in words if w not in catalog)
    assert not missing, missing
