"""Events raised by the workflow steps their kinds name (``EventKind.workflow``/``actions``),
once a step has committed (the engine's ``transitioned``)."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from fugong.core import registry
from fugong.core.workflow import transitioned
from fugong.notifications.services import event_raise

logger = logging.getLogger(__name__)


@receiver(transitioned, dispatch_uid="notifications.on_transitioned")
def on_transitioned(sender, *, workflow, instance, action, before, after, actor, reason, **kw):
    for kind in registry.event_kinds_for(workflow.name, action, after):
        step = {"action": action, "before": before, "after": after, "reason": reason or ""}
        try:
            event_raise(
                kind=kind.code, subject=instance, actor=actor, params=kind.params(instance, step)
            )
        except Exception:  # noqa: BLE001 - the step is done; a failed notice must not undo it
            logger.exception("event %s of %s #%s not raised", kind.code, sender, instance.pk)
