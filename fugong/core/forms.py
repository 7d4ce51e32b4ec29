"""Form widgets that round-trip through the browser's own inputs.

A browser's ``<input type=date>`` shows and sends ``2026-11-15`` only; ``type=time`` ``14:30``;
``type=datetime-local`` ``2026-11-15T14:30``; ``type=number`` a plain number without thousands
separators. Django renders dates in the first of the locale's ``DATE_INPUT_FORMATS`` unless told
otherwise, which for zh-hans is ``2026/11/15``: the browser shows an empty box and a save sends
nothing, so the stored date is blanked. Every form of the project therefore renders its dates,
times and numbers with the widgets here, which always write the ISO form (and never localise a
number), whatever the language of the page. The fields still read every format the locale
accepts, so a typed ``2026/11/15`` (an older browser, the API, a test client) is read as well.

``html5_widgets(form)`` swaps the widget of every date, time, datetime and number field of a
form for these (keeping its attributes); forms call it at the end of ``__init__``, after any
field they add there.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"
ISO_DATETIME = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=None):  # noqa: A002 - Django's own argument name
        super().__init__(attrs, format=format or ISO_DATE)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None, format=None):  # noqa: A002
        super().__init__(attrs, format=format or ISO_TIME)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None, format=None):  # noqa: A002
        super().__init__(attrs, format=format or ISO_DATETIME)


class NumberInput(forms.NumberInput):
    """A number as ``type=number`` reads it: never localised (no thousands separator, a point
    for decimals) and never in exponent form (``Decimal('1E+3')`` is written ``1000``)."""

    def format_value(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, float):
            return format(Decimal(repr(value)), "f")
        return str(value)


def _replacement(field: forms.Field) -> type[forms.Widget] | None:
    widget = field.widget
    if isinstance(widget, forms.HiddenInput | forms.MultiWidget):
        return None
    if isinstance(field, forms.DateTimeField):
        return DateTimeInput
    if isinstance(field, forms.DateField):
        return DateInput
    if isinstance(field, forms.TimeField):
        return TimeInput
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        # Only a number box (a field given a select or a text box keeps it).
        return NumberInput if isinstance(widget, forms.NumberInput) else None
    return None


def html5_widget(field: forms.Field) -> None:
    """Give one field the round-tripping widget of its kind (in place; attributes kept). A
    widget that already is one keeps its own format."""
    new = _replacement(field)
    if new is None or isinstance(field.widget, new):
        return
    old = field.widget
    widget = new(attrs=dict(old.attrs))
    widget.is_required = old.is_required
    widget.is_localized = False
    field.widget = widget


def html5_widgets(form: forms.BaseForm) -> None:
    """``html5_widget`` for every field of ``form``."""
    for field in form.fields.values():
        html5_widget(field)


def style(form: forms.BaseForm) -> None:
    """Widgets whose dates and numbers round-trip (fugong.core.forms), with Bootstrap classes
    on every visible one."""
    html5_widgets(form)
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select form-select-sm"
        else:
            css = "form-control form-control-sm"
        widget.attrs.setdefault("class", css)
