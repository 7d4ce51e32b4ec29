"""The upload form of every import: the file, the mode and, where the importer offers places,
the place rows without one go to (导入到)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.core.imports.models import ImportMode
from fugong.core.imports.registry import Importer


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Ledger file"),
        help_text=_("Excel (.xlsx, or .xls from WPS / Excel 97) or CSV (UTF-8 or GBK)."),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".xlsx,.xls,.csv,.txt"}
        ),
        error_messages={"required": _("Choose the file to import.")},
    )
    place = forms.TypedChoiceField(
        label=_("Import to"),
        help_text=_(
            "Rows that do not name their place go here; leave it empty when every row names "
            "its place."
        ),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    mode = forms.ChoiceField(
        label=_("If some rows have errors"),
        choices=ImportMode.choices,
        initial=ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, importer: Importer, user, **kwargs):
        super().__init__(*args, **kwargs)
        places = importer.places(user)
        if places:
            field = self.fields["place"]
            if importer.place_required:  # every row goes there (the roster's enterprise)
                field.choices = places
                field.required = True
            else:
                field.choices = [("", _("(the place column of each row)")), *places]
            field.initial = importer.default_place(user, places)
            field.label = importer.place_label or field.label
            field.help_text = importer.place_help or field.help_text
        else:
            del self.fields["place"]
