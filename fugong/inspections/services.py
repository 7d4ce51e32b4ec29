"""Writes to checklist templates."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from fugong.core.audit import audited_create, audited_update
from fugong.inspections.models import ChecklistItem, ChecklistTemplate


def template_in_use(template: ChecklistTemplate) -> bool:
    """Whether a checklist was filled in on this version: any row of another model (an
    acceptance, an inspection, ...) points at it. Found through the model's reverse relations,
    so inspections need not know the apps that use its templates."""
    # include_hidden: the acceptances' key has no reverse accessor (related_name="+").
    return any(
        relation.related_model._default_manager.filter(**{relation.field.name: template}).exists()
        for relation in ChecklistTemplate._meta.get_fields(include_hidden=True)
        if relation.is_relation
        and relation.auto_created
        and not relation.concrete
        and relation.related_model is not ChecklistItem
    )


@transaction.atomic
def template_new_version(*, actor, template: ChecklistTemplate) -> ChecklistTemplate:
    """Copy ``template`` with its items as the next version, put the copy in use and the
    others of the same code out of use. Checklists already filled keep their version."""
    number = ChecklistTemplate.objects.filter(code=template.code).aggregate(n=Max("version"))["n"]
    copy = audited_create(
        ChecklistTemplate,
        actor=actor,
        code=template.code,
        version=number + 1,
        name=template.name,
        kind=template.kind,
        source=template.source,
        is_active=True,
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            template=copy,
            position=item.position,
            text=item.text,
            kind=item.kind,
            required=item.required,
            photo_required=item.photo_required,
        )
        for item in template.items.all()
    )
    for old in ChecklistTemplate.objects.filter(code=template.code, is_active=True).exclude(
        pk=copy.pk
    ):
        audited_update(old, actor=actor, is_active=False, reason="new version")
    return copy
