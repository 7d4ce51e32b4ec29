"""An acceptance photo is served with the type its content has, not the one its stored name
suggests (photos stored before the re-encoding kept the end of the user's name)."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from fugong.resumption.models import AcceptanceAnswer

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


def test_a_png_stored_under_an_upper_case_name_is_served_as_png(client, user):
    answer = AcceptanceAnswer.objects.order_by("pk").first()
    assert answer is not None, "the demo has an acceptance answer"
    answer.photo.save("legacy.PNG", ContentFile(_png()), save=True)
    client.force_login(user("admin"))
    served = client.get(f"/resumption/photos/{answer.pk}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["Content-Disposition"].startswith("inline")
    assert served["Content-Disposition"].endswith('.png"')
