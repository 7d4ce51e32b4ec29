"""``core.bulk`` takes a finite Decimal for a decimal column as it is where the backend does
(PostgreSQL's COPY): what the field's own conversion gives, value and text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from fugong.core.bulk import _converter
from fugong.enterprises.models import Enterprise


@pytest.mark.django_db
def test_a_decimal_is_converted_as_the_field_converts_it():
    field = Enterprise._meta.get_field("revenue_last_year")
    convert = _converter(field, as_text=connection.vendor == "postgresql")
    if connection.vendor == "sqlite":
        assert convert is None  # sqlite3's adapter, registered by Django
        return
    for value in [Decimal("0"), Decimal("-0"), Decimal("100"), Decimal("100.00"),
                  Decimal("1E+3"), Decimal("12.345"), None, 12.5, 3, "7.25"]:  # fmt: skip
        expected = field.get_db_prep_save(value, connection)
        got = convert(value)
        assert got == expected and str(got) == str(expected) and type(got) is type(expected)
    for bad in [Decimal("NaN"), Decimal("Infinity"), "x"]:
        with pytest.raises(ValidationError):
            convert(bad)
