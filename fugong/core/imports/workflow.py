"""The states of an import batch, on the workflow engine (``fugong.core.workflow``).

The jobs move a batch as the system (``SYSTEM``): a check ends in ``ready`` or ``rejected``,
an import in ``done`` or ``failed``. The uploader (or a platform administrator, who sees every
batch) confirms a checked file, imports a failed one again, or checks a rejected or failed one
again; the importer's ``may_import`` says who may import at all.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fugong.core.imports.models import ImportStatus
from fugong.core.imports.registry import importer
from fugong.core.scope import get_scope
from fugong.core.workflow import Workflow, transition

S = ImportStatus
SYSTEM = "imports"  # the actor of the jobs' steps


def is_uploader(user, batch) -> bool:
    """The user who uploaded the batch, or one who sees every batch, and who may import."""
    return (batch.created_by_id == user.pk or get_scope(user).everything) and importer(
        batch.kind
    ).may_import(user)


BATCHES = Workflow(
    "core.importbatch",
    [
        transition("accept", _("Checked"), [S.CHECKING], S.READY),
        transition("reject", _("Rejected"), [S.CHECKING], S.REJECTED),
        transition("confirm", _("Import now"), [S.READY], S.IMPORTING, may=is_uploader),
        transition("import_again", _("Import again"), [S.FAILED], S.IMPORTING, may=is_uploader),
        transition("finish", _("Imported"), [S.IMPORTING], S.DONE),
        transition("fail", _("Failed"), [S.IMPORTING], S.FAILED),
        transition(
            "recheck",
            _("Check the file again"),
            [S.REJECTED, S.FAILED],
            S.CHECKING,
            may=is_uploader,
        ),
        # New header mappings: the file is checked again with them, whatever its check said.
        transition(
            "remap",
            _("Map the columns"),
            [S.READY, S.REJECTED],
            S.CHECKING,
            may=is_uploader,
        ),
    ],
)
