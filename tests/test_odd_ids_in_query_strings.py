"""Ids and numbers typed into a query string by hand: a digit that is not 0-9 (a superscript
"²" passes str.isdigit() but not int()), and a number too large for the database, find nothing
or are ignored. Never a server error."""

from __future__ import annotations

import pytest

from fugong.core.ids import parse_id

pytestmark = pytest.mark.django_db

ODD = ["²", "1²", "99999999999999999999", "-1", "١٢"]


@pytest.mark.parametrize("value", ["²", "1²", "⑤", "99999999999999999999", "-1", "", None, "x"])
def test_parse_id_refuses_what_is_not_a_row_id(value):
    assert parse_id(value) is None


def test_parse_id_reads_a_plain_number():
    assert parse_id(" 42 ") == 42


@pytest.mark.parametrize("value", ODD)
@pytest.mark.parametrize(
    "username, url",
    [
        ("town01_ent1", "/resumption/new/?enterprise={}"),
        ("county_cmd", "/resumption/?enterprise={}"),
        ("county_cmd", "/enterprises/?assigned={}"),
        ("county_cmd", "/enterprises/?jurisdiction={}"),
        ("county_cmd", "/jurisdictions/?parent={}"),
        ("county_cmd", "/stats/?node={}"),
        ("county_cmd", "/stats/reports/?jurisdiction={}"),
        ("county_cmd", "/api/v1/enterprises?assigned={}"),
    ],
)
def test_an_odd_id_in_a_query_string_is_no_server_error(client, login, username, url, value):
    login(username)
    response = client.get(url.format(value))
    assert response.status_code < 500, (url, value, response.status_code)
