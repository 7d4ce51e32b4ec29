"""Pickles from places not fully trusted (the workbook reader's child, the checked rows in the
media storage) build plain values only."""

from __future__ import annotations

import datetime
import os
import pickle
from decimal import Decimal

import pytest

from fugong.core import plain_pickle


def test_plain_values_come_back_as_they_were():
    value = [
        (1, "企业", 2.5, True, None, b"x"),
        {"amount": Decimal("1.50"), "day": datetime.date(2020, 2, 3)},
        {datetime.datetime(2020, 2, 3, 8, 30), datetime.time(8, 30), datetime.timedelta(days=1)},
    ]
    assert plain_pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) == value


class Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


@pytest.mark.parametrize("value", [Boom(), ValueError("x"), [1, {"a": Boom()}]])
def test_a_pickle_that_names_any_other_callable_is_refused_before_anything_runs(value):
    with pytest.raises(pickle.UnpicklingError):
        plain_pickle.loads(pickle.dumps(value))
