"""Forms of the buses pages. The rules of a batch are the services' (``batch_problems``), shown
at their fields; a form that fails keeps everything typed."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.accounts.models import phone_validator
from fugong.buses.choices import BusStatus
from fugong.buses.services import (
    MAX_SEATS,
    batch_problems,
    disinfection_problem,
    letter_days_problems,
    stop_problems,
)
from fugong.core.forms import DateInput, DateTimeInput, style

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


class BatchForm(forms.Form):
    organiser = forms.ChoiceField(label=_("Organised by"), required=False)
    title = forms.CharField(
        label=_("Name of the batch"), max_length=100, required=False,
        help_text=_("Optional, e.g. 遵义专线第一批."),
    )  # fmt: skip
    origin_name = forms.CharField(label=_("Origin"), max_length=60,
                                  help_text=_("Province, city and county, e.g. 贵州省遵义市红花岗区."))  # fmt: skip
    origin_region = forms.CharField(
        label=_("Origin region code"), max_length=6,
        help_text=_("6 digits (GB/T 2260): 520302 a county, 520300 a city, 520000 a province."),
    )  # fmt: skip
    departs_on = forms.DateField(label=_("Departure date"), widget=DateInput)
    arrives_on = forms.DateField(label=_("Arrival date"), widget=DateInput)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=MAX_SEATS)
    plate = forms.CharField(label=_("Vehicle plate"), max_length=20, required=False)
    cost = forms.DecimalField(label=_("Cost (yuan)"), **MONEY)
    subsidy = forms.DecimalField(label=_("Subsidy (yuan)"), initial=0, **MONEY)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, organisers: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisers:
            self.fields["organiser"].choices = organisers
            self.fields["organiser"].required = True
        else:
            del self.fields["organiser"]
        style(self)

    def clean(self):
        data = super().clean()
        for name, message in batch_problems(data).items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        names = ("title", "origin_region", "origin_name", "departs_on", "arrives_on", "seats",
                 "plate", "cost", "subsidy", "note")  # fmt: skip
        out = {n: data[n] for n in names}
        for n in ("title", "origin_name", "plate", "note"):
            out[n] = out[n].strip()
        out["plate"] = out["plate"].upper()
        return out


_STOP = re.compile(r"^(?P<name>.+?)(?:[\s,，]+(?P<time>\d{1,2}[:：]\d{2}))?$")


def parse_stops(text: str) -> tuple[list[tuple[str, datetime.time | None]], str]:
    """One stop a line, "name" or "name 07:10"; the stops in order, or the problem."""
    stops = []
    for line in (text or "").splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        m = _STOP.match(line)
        name, time = m.group("name").strip(), None
        if m.group("time"):
            hours, minutes = (int(x) for x in re.split("[:：]", m.group("time")))
            if hours > 23 or minutes > 59:
                return stops, str(_("“%(line)s”: the time is not a time of day.") % {"line": line})
            time = datetime.time(hours, minutes)
        stops.append((name[:60], time))
    return stops, stop_problems(stops)


class BusForm(forms.Form):
    plate = forms.CharField(label=_("Vehicle plate"), max_length=20)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=MAX_SEATS)
    driver_name = forms.CharField(label=_("Driver"), max_length=60)
    driver_phone = forms.CharField(
        label=_("Driver's phone"), max_length=20, required=False, validators=[phone_validator]
    )
    route_name = forms.CharField(label=_("Route"), max_length=100)
    stops = forms.CharField(
        label=_("Stops, in order"),
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "东门 07:10\n青溪镇政府 07:25"}),
        help_text=_("One stop a line, with its time if it has one: 东门 07:10."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=BusStatus.choices)
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    def clean_stops(self):
        stops, problem = parse_stops(self.cleaned_data["stops"])
        if problem:
            raise forms.ValidationError(problem)
        return stops

    def clean_plate(self):
        return self.cleaned_data["plate"].strip().upper()


class RiderForm(forms.Form):
    employee = forms.ChoiceField(label=_("Employee"))
    stop = forms.ChoiceField(label=_("Boarding stop"), required=False)

    def __init__(self, *args, employees, stops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].choices = [("", "---------"), *employees]
        self.fields["stop"].choices = [("", "---------"), *stops]
        style(self)


class DisinfectionForm(forms.Form):
    at = forms.DateTimeField(label=_("Time"), widget=DateTimeInput)
    disinfectant = forms.CharField(label=_("Disinfectant"), max_length=60,
                                   help_text=_("e.g. 84消毒液 1:100, 75%酒精."))  # fmt: skip
    done_by = forms.CharField(label=_("Done by"), max_length=60)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)
        style(self)

    def clean_at(self):
        at = self.cleaned_data["at"]
        if problem := disinfection_problem(at):
            raise forms.ValidationError(problem)
        return at


class LetterForm(forms.Form):
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput)
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end:
            for field, problem in letter_days_problems(start, end).items():
                self.add_error(field, problem)
        return data
