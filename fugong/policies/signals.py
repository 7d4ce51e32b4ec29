"""An enterprise's data changed: match it again after the change commits, so that a benefit
newly open to it reaches its users (政策找企业). Bulk writes (imports) send no signal: the
office's "match again" on the policies page (a background job) or the command
``fugong match_policies`` catches them up."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from fugong.enterprises.models import Enterprise


@receiver(post_save, sender=Enterprise, dispatch_uid="policies.rematch_enterprise")
def _enterprise_saved(sender, instance: Enterprise, created: bool, raw: bool = False, **kwargs):
    if raw:
        return
    from fugong.policies import matching
    from fugong.policies.models import Benefit

    if not Benefit.objects.filter(policy__status="published").exists():
        return
    pk = instance.pk
    transaction.on_commit(lambda: matching.match_enterprise(pk))
