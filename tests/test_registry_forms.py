"""Every date, time and number field of every form renders a value the browser's own input can
show and send back (issue 10, point 1): ISO dates and times whatever the page's language, and
numbers without thousands separators. The zh-hans locale writes dates as 2026/11/15, which an
``<input type=date>`` shows as empty, so saving the enterprise form blanked its 复工日期.

The browser test tests/browser/test_roundtrip.py saves each edit form unchanged; this one checks
every form class of the project, including the fields forms add in ``__init__``."""

from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil
import re
from decimal import Decimal

import pytest
from django import forms
from django.test import override_settings
from django.utils import timezone, translation

import fugong
from fugong.accounts.models import User
from fugong.accounts.testing import build_county
from fugong.core.forms import DateInput, NumberInput, TimeInput, html5_widgets
from fugong.core.testing import world_fixtures
from fugong.enterprises.forms import EnterpriseForm
from fugong.enterprises.models import Enterprise
from fugong.enterprises.testing import add_enterprise, build_registry

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 15)
TIME = datetime.time(14, 30)
MOMENT = timezone.make_aware(datetime.datetime(2026, 11, 15, 14, 30))
NUMBER = Decimal("12345.50")
WHOLE = 1234567


def project_form_classes() -> list[type[forms.BaseForm]]:
    """Every form class defined in the project's forms and views modules."""
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(fugong.__path__, "fugong."):
        leaf = info.name.rsplit(".", 1)[-1]
        if ".migrations" in info.name or ".management" in info.name:
            continue
        if leaf not in ("forms",) and not leaf.startswith("views"):
            continue
        module = importlib.import_module(info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__.startswith("fugong."):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(found.values())


def form_kwargs(cls, demo_user) -> dict:
    """What each form's constructor needs beyond data (forms that need nothing are built bare)."""
    from fugong.inspections.models import ChecklistTemplate

    params = inspect.signature(cls.__init__).parameters
    kwargs: dict = {}
    if "user" in params:
        kwargs["user"] = demo_user
    if "people" in params:
        kwargs["people"] = User.objects.none()
    if "inspectors" in params:
        kwargs["inspectors"] = User.objects.none()
    if "tenants" in params:
        kwargs["tenants"] = Enterprise.objects.none()
    if "template" in params:
        kwargs["template"] = ChecklistTemplate.objects.first()
    if "defaults" in params:
        kwargs["defaults"] = {"date": None, "days": 7, "early_needs_county": True}
    return kwargs


def sample(field: forms.Field):
    if isinstance(field, forms.DateTimeField):
        return MOMENT, "2026-11-15T14:30"
    if isinstance(field, forms.DateField):
        return DAY, "2026-11-15"
    if isinstance(field, forms.TimeField):
        return TIME, "14:30"
    if isinstance(field, forms.DecimalField | forms.FloatField):
        return NUMBER, "12345.50"
    if isinstance(field, forms.IntegerField):
        return WHOLE, "1234567"
    return None


def rendered_value(html: str) -> str | None:
    match = re.search(r'\svalue="([^"]*)"', html)
    return match.group(1) if match else None


def test_the_project_forms_are_found():
    names = {cls.__name__ for cls in project_form_classes()}
    assert {"EnterpriseForm", "BulkActionForm", "ApplicationForm", "RuleForm", "SettingForm"} <= (
        names
    )


def _build():
    registry = build_registry(build_county())
    registry.dated = add_enterprise(
        registry.county,
        1,
        resumed_on=datetime.date(2026, 10, 21),
        revenue_last_year=Decimal("2350.75"),
    )
    return registry


_built, world = world_fixtures(_build)


class TestFormsOnTheirOwnCounty:
    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    def test_every_date_time_and_number_field_round_trips(self, world, language):
        me = world["w_t1_cmd"]
        checked = 0
        with override_settings(USE_THOUSAND_SEPARATOR=True), translation.override(language):
            for cls in project_form_classes():
                try:
                    form = cls(**form_kwargs(cls, me))
                except TypeError:  # needs something this test cannot guess: its declared fields
                    form = forms.Form()
                    form.fields = cls.base_fields
                for name, field in form.fields.items():
                    kind = sample(field)
                    if kind is None or isinstance(field.widget, forms.HiddenInput | forms.Select):
                        continue
                    value, expected = kind
                    form.initial[name] = value
                    html = str(form[name])
                    assert rendered_value(html) == expected, f"{cls.__name__}.{name}: {html}"
                    if isinstance(field, forms.DateField | forms.TimeField | forms.DateTimeField):
                        assert 'type="date' in html or 'type="time"' in html, html
                    checked += 1
        # dates, times and numbers of the enterprise, filing and settings forms
        assert checked >= 20

    def test_the_enterprise_form_shows_its_stored_date_in_chinese(self, world):
        """The bug itself: the stored 复工日期 rendered as 2026/10/21 in the zh-hans page."""
        e = Enterprise.objects.get(pk=world.dated.pk)
        assert e.resumed_on and e.revenue_last_year
        with translation.override("zh-hans"):
            form = EnterpriseForm(instance=e, user=world["w_t1_cmd"])
            html = str(form["resumed_on"])
            revenue = str(form["revenue_last_year"])
        assert f'value="{e.resumed_on.isoformat()}"' in html and 'type="date"' in html
        assert f'value="{e.revenue_last_year}"' in revenue
        # What the browser sends back is read as the same date and number.
        data = {
            "resumed_on": e.resumed_on.isoformat(),
            "revenue_last_year": str(e.revenue_last_year),
        }
        for name, text in data.items():
            assert form.fields[name].clean(text) == getattr(e, name)


def test_html5_widgets_keep_attributes_and_never_localise():
    class Sample(forms.Form):
        day = forms.DateField(widget=forms.DateInput(attrs={"class": "x"}))
        at = forms.TimeField()
        amount = forms.DecimalField(max_digits=12, decimal_places=2)
        count = forms.IntegerField(min_value=0)

    form = Sample(initial={"day": DAY, "at": TIME, "amount": Decimal("1E+3"), "count": WHOLE})
    html5_widgets(form)
    assert isinstance(form.fields["day"].widget, DateInput)
    assert isinstance(form.fields["at"].widget, TimeInput)
    assert isinstance(form.fields["amount"].widget, NumberInput)
    with override_settings(USE_THOUSAND_SEPARATOR=True), translation.override("en"):
        assert 'class="x"' in str(form["day"]) and 'value="2026-11-15"' in str(form["day"])
        assert 'value="1000"' in str(form["amount"])
        assert 'value="1234567"' in str(form["count"]) and 'min="0"' in str(form["count"])
