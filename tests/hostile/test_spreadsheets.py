"""Every hostile spreadsheet through every import point: refused with a clear sentence in the
user's language, never read into memory, never a server error, nothing written.

The bombs are in ``spreadsheets.py`` and the import points in ``import_points.py``; a new
importer adds itself to ``IMPORT_POINTS`` and is tried here with all of them.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.utils.translation import gettext as _

from fugong.enterprises.models import Enterprise
from tests.hostile.import_points import IMPORT_POINTS
from tests.hostile.spreadsheets import HOSTILE_SPREADSHEETS, crc_ok, far_cell, lying_zip, zip_bomb

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("point", IMPORT_POINTS, ids=lambda p: p.name)
@pytest.mark.parametrize(
    ("build", "filename"),
    [pytest.param(build, filename, id=name) for name, build, filename in HOSTILE_SPREADSHEETS],
)
def test_hostile_spreadsheet_is_refused_with_a_sentence(point, build, filename):
    enterprises = Enterprise.objects.count()
    outcome = point.feed(build(), filename)
    assert not outcome.accepted, outcome
    assert outcome.status in (None, 200, 400, 422), outcome  # a page or a JSON error, never 5xx
    message = outcome.message
    assert message and CHINESE.search(message), outcome  # translated (Chinese by default)
    assert message != _("The job stopped because of an internal error; nothing was saved.")
    assert "Traceback" not in message
    assert Enterprise.objects.count() == enterprises


def test_the_bombs_are_what_they_claim():
    assert len(far_cell()) < 2000
    with zipfile.ZipFile(io.BytesIO(far_cell())) as z:
        assert b'r="XFD1048576"' in z.read("xl/worksheets/sheet1.xml")
    bomb = zip_bomb()
    assert len(bomb) < 1024 * 1024
    with zipfile.ZipFile(io.BytesIO(bomb)) as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size > 500 * 1024 * 1024
    assert crc_ok(zip_bomb(100)) and not crc_ok(lying_zip())
