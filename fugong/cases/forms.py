"""The forms of the request pages: raise, dispatch, the department's and the enterprise's
steps, extension and callback."""

from __future__ import annotations

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.cases.choices import Nature, Rating, Urgency
from fugong.cases.models import Category
from fugong.core.forms import style

TEXTAREA = forms.Textarea(attrs={"rows": 4})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class CaseForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=None)
    category = forms.ModelChoiceField(
        label=_("Request category"), queryset=Category.objects.filter(is_active=True)
    )
    nature = forms.ChoiceField(label=_("Nature"), choices=Nature.choices, initial=Nature.HELP)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    text = forms.CharField(
        label=_("What is asked"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The problem, what has been tried, what help is needed."),
    )
    files = MultipleFileField(
        label=_("Files"),
        required=False,
        help_text=_("Up to 5: PDF, Word (.docx), Excel (.xlsx), JPEG or PNG."),
    )
    from_visit = forms.BooleanField(label=_("Found on a visit (走访)"), required=False)

    def __init__(self, *args, enterprises, on_behalf: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
        if enterprises.count() == 1 and not self.initial.get("enterprise"):
            self.initial["enterprise"] = enterprises.first().pk  # the one it may choose
        if not on_behalf:
            del self.fields["from_visit"]
        style(self)


class StepForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, widget=TEXTAREA, max_length=500)
    reply = forms.CharField(label=_("Reply"), required=False, widget=TEXTAREA, max_length=4000)
    rating = forms.ChoiceField(label=_("Rating"), required=False, choices=Rating.choices)
    revision = forms.IntegerField(
        label="",
        required=False,
        min_value=0,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": _("This page is out of date: reload it and try again."),
            "min_value": _("This page is out of date: reload it and try again."),
        },
    )


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label=_("More working days"), min_value=1, max_value=30)
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class CallbackForm(forms.Form):
    note = forms.CharField(label=_("What was said"), max_length=1000, widget=TEXTAREA)
    reached = forms.BooleanField(label=_("Reached the enterprise"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


# ---------------------------------------------------------------------------- 举报 (tips)


class TipCaptchaInput(CaptchaTextInput):
    """django-simple-captcha's widget (the picture drawn by Pillow on this server, no
    internet) with our own markup: a translated alt text and Bootstrap's input."""

    template_name = "cases/tips/captcha_widget.html"


class TipForm(forms.Form):
    """The public page's form (no login)."""

    place = forms.ModelChoiceField(
        label=_("Town or street"),
        queryset=None,
        empty_label=_("Choose the town or street"),
        error_messages={"required": _("Choose the town or street the enterprise is in.")},
    )
    enterprise_name = forms.CharField(
        label=_("Enterprise"),
        max_length=200,
        help_text=_("Its name as you know it, or where it is."),
        error_messages={"required": _("Name the enterprise you report.")},
    )
    text = forms.CharField(
        label=_("What you report"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happens, where and since when; at most 2,000 characters."),
        error_messages={"required": _("Say what you report.")},
    )
    by_staff = forms.BooleanField(label=_("I work at this enterprise"), required=False)
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
        help_text=_("One JPEG or PNG picture; its location data is removed."),
    )
    contact_name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=_("Your phone (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_(
            "Only if the office may call you back. It is kept encrypted, shown only to the "
            "officers who handle the tip, never to the enterprise."
        ),
    )
    captcha = CaptchaField(
        label=_("Characters in the picture"),
        widget=TipCaptchaInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        error_messages={
            "invalid": _("The characters do not match the picture: type the new ones."),
            "required": _("Type the characters in the picture."),
        },
    )

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places
        self.fields["place"].label_from_instance = lambda j: (
            f"{j.parent.name} · {j.name}" if j.parent_id else j.name
        )
        style(self)


class TipLookupForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"required": _("Type the tracking code you were given.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)
