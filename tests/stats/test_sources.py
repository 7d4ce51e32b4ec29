"""What the statistics count is registered by the app that keeps the units
(fugong/stats/sources.py, docs/architecture.md "Figure sources"): the registration describes the
enterprise model as it is, and only one app may register the units."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from fugong.enterprises.figures import FIGURE_SOURCE
from fugong.enterprises.models import Enterprise
from fugong.stats import sources, tally


def test_the_enterprise_app_registered_its_units_at_start_up():
    assert sources.units() is FIGURE_SOURCE


def test_the_registration_names_the_models_fields_and_their_values():
    source = sources.units()
    for name in dataclasses.astuple(source.fields):
        source.model._meta.get_field(name)  # raises for a field the model does not have
    industry = source.model._meta.get_field(source.fields.industry)
    assert industry.related_model is source.industries.model
    place = source.model._meta.get_field(source.fields.place)
    assert place.related_model._meta.label == "accounts.Jurisdiction"
    # The dimensions are the model's own choices, with their labels, in their order.
    category = source.model._meta.get_field(source.fields.category)
    ledger = source.model._meta.get_field(source.fields.ledger)
    assert list(source.categories) == list(category.choices)
    assert list(source.ledgers) == list(ledger.choices)
    assert set(source.ledger_short) == set(source.ledger_values)
    # Every grouping refers to values that exist.
    assert set(source.no_need) < set(source.ledger_values)
    assert set(source.not_enterprises) < set(source.category_values)
    for _key, categories in source.report_rows:
        assert set(categories) <= set(source.category_values)
    for sub in source.subsectors:
        assert sub.category in source.category_values


@pytest.mark.django_db
def test_the_tally_reads_columns_the_units_table_has():
    schema = tally._schema()
    assert schema.units == Enterprise._meta.db_table
    with connection.cursor() as cursor:
        columns = {
            c.name for c in connection.introspection.get_table_description(cursor, schema.units)
        }
    assert set(schema.watched) <= columns


def test_a_second_app_may_not_register_other_units():
    other = dataclasses.replace(FIGURE_SOURCE, no_need=())
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        sources.register_units(other)
    assert sources.units() is FIGURE_SOURCE
    sources.register_units(FIGURE_SOURCE)  # the same registration again changes nothing
    assert sources.units() is FIGURE_SOURCE
