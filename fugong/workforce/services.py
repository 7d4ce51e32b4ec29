"""The roster (一人一档): adding a person to an enterprise's roster, one identity per ID
number across enterprises. Every check here is the one the pages, the API and the importer
use."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from fugong.accounts.choices import Role
from fugong.accounts.selectors import active_memberships
from fugong.core.audit import audited_create
from fugong.core.crypto import lookup_hash
from fugong.core.errors import NotAllowed, UserError
from fugong.core.masking import mask_id_number
from fugong.workforce.choices import Origin
from fugong.workforce.models import Employee, Person

ID_PURPOSE = "id_number"
PHONE_PURPOSE = "phone"


def id_number_clean(value: str) -> str:
    """The 18-character 居民身份证号码 with its check digit verified (python-stdnum), or a
    UserError saying what is wrong (the number shown masked)."""
    text = ric.compact(str(value or "")).upper()
    shown = mask_id_number(text) if len(text) == 18 else text[:4] + "…"
    try:
        return ric.validate(text)
    except InvalidChecksum:
        raise UserError(
            _("ID number %(number)s: its last character (the check digit) is wrong.")
            % {"number": shown},
            code="id_checksum",
        ) from None
    except InvalidComponent:
        raise UserError(
            _("ID number %(number)s: the date of birth or the place code in it is impossible.")
            % {"number": shown},
            code="id_component",
        ) from None
    except ValidationError:
        raise UserError(
            _("An ID number has 18 characters: 17 digits and a digit or X."), code="id_format"
        ) from None


def may_keep_roster(user, enterprise) -> bool:
    """The enterprise's own users and platform administrators keep its roster."""
    if user.is_superuser:
        return True
    return any(
        m.role == Role.PLATFORM_ADMIN
        or (m.role == Role.ENTERPRISE and m.enterprise_id == enterprise.pk)
        for m in active_memberships(user)
    )


def person_for(*, name: str, id_number: str) -> Person:
    """The one person with this ID number, made on first sight. A number already registered
    under another name is refused without saying which name (the roster of another enterprise
    is not this one's to read)."""
    number = id_number_clean(id_number)
    name = " ".join(str(name or "").split())
    if not name:
        raise UserError(_("Enter the person's name."), code="name")
    digest = lookup_hash(number, ID_PURPOSE)
    person = Person.objects.filter(id_hash=digest).first()
    if person is None:
        try:
            with transaction.atomic():
                return Person.objects.create(name=name, id_number=number, id_hash=digest)
        except IntegrityError:  # made at the same moment by another request
            person = Person.objects.get(id_hash=digest)
    if person.name != name:
        raise UserError(
            _(
                "ID number %(number)s is registered under another name. Check the name and the "
                "number against the ID card."
            )
            % {"number": mask_id_number(number)},
            code="id_name",
        )
    return person


@transaction.atomic
def employee_create(*, actor, enterprise, name: str, id_number: str, phone: str = "", **fields):
    """Add a person to the enterprise's roster (once: a second time is refused)."""
    if not may_keep_roster(actor, enterprise):
        raise NotAllowed(_("Only the enterprise's own users keep its roster."))
    if fields.get("origin") not in Origin.values:
        raise UserError(_("Choose where the person comes back from."), code="origin")
    person = person_for(name=name, id_number=id_number)
    if Employee.objects.filter(enterprise=enterprise, person=person).exists():
        raise UserError(
            _("%(name)s is already on the roster.") % {"name": person.name}, code="duplicate"
        )
    phone = "".join(str(phone or "").split())
    return audited_create(
        Employee,
        actor=actor,
        reason=_("Roster"),
        enterprise=enterprise,
        person=person,
        phone=phone,
        phone_hash=lookup_hash(phone, PHONE_PURPOSE) if phone else "",
        **fields,
    )
