"""The command office's set-up forms (issue 12 point 4). Each form offers only what the user
may choose (their places, the offices and staff under them); the services check it again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fugong.core.ids import parse_id
from fugong.notifications import setup
from fugong.notifications.models import RobotKind


class IdChoices(forms.ModelMultipleChoiceField):
    """A multiple choice of rows by id that refuses a value that is not an id (a forged
    9223372036854775808 would overflow the database's integer) as any unknown choice."""

    def _check_values(self, value):
        for pk in value:
            if parse_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(pk)[:20]},
                )
        return super()._check_values(value)


class _PlaceForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(queryset=None, label=_("Place"), empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["jurisdiction"].queryset = setup.places(user)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class RobotForm(_PlaceForm):
    name = forms.CharField(label=_("Group name"), max_length=100)
    kind = forms.ChoiceField(label=_("Platform"), choices=RobotKind.choices)
    key = forms.CharField(
        label=_("Webhook address or key"),
        max_length=500,
        required=False,
        help_text=_(
            "Paste the webhook address shown on the group robot's page (or its key alone). "
            "Left empty when changing a robot, the key stays as it is."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    secret = forms.CharField(
        label=_("Signing secret (DingTalk)"),
        max_length=200,
        required=False,
        help_text=_(
            "For a DingTalk robot with 加签: the secret starting with SEC. Left empty "
            "when changing a robot, it stays as it is."
        ),  # fmt: skip
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    clear_secret = forms.BooleanField(
        label=_("Remove the signing secret (the robot no longer signs)"), required=False
    )
    kinds = forms.MultipleChoiceField(
        label=_("Events posted to the group"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["kinds"].choices = setup.kind_choices()


class GroupForm(_PlaceForm):
    name = forms.CharField(label=_("Group name"), max_length=100)
    members = IdChoices(
        queryset=None,
        label=_("Members"),
        required=False,
        help_text=_("Staff of your places; hold Ctrl (⌘ on a Mac) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        members = self.fields["members"]
        members.queryset = setup.member_choices(user)
        members.label_from_instance = lambda u: (
            f"{u.display_name} ({u.username})" if u.full_name else u.username
        )


class SubscriptionForm(_PlaceForm):
    kind = forms.ChoiceField(label=_("Event"))
    target = forms.ChoiceField(label=_("Also reaches"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["kind"].choices = setup.kind_choices()
        offices = [(f"office:{o.pk}", setup.office_label(o)) for o in setup.office_choices(user)]
        groups = [
            (f"group:{g.pk}", f"{g.name} · {g.jurisdiction.name}") for g in setup.group_list(user)
        ]
        self.fields["target"].choices = [
            (_("Offices (their members)"), offices),
            (_("Recipient groups"), groups),
        ]

    def clean_target(self):
        kind, _sep, pk = self.cleaned_data["target"].partition(":")
        if kind == "office":
            found = setup.office_choices(self.user).filter(pk=pk).first()
        else:
            found = setup.group_list(self.user).filter(pk=pk).first()
        if found is None:  # removed since the page was shown
            raise forms.ValidationError(_("Choose an office or a recipient group in the list."))
        return {kind: found}
