"""The narrative report as a Word document, in the shape of seed 000 (a town) or seed 003
(a county's industry and services): the node's template filled from the figures and the help
given, and checked so that no placeholder mark (XX, X月X日, *) is ever left in it."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from fugong.accounts.models import Jurisdiction
from fugong.core.errors import UserError
from fugong.reports import context as C
from fugong.reports import templates as T
from fugong.reports.models import ReportTemplate
from fugong.stats import figures as F


def narrative(
    *,
    user,
    node: Jurisdiction,
    day: datetime.date,
    kind: str,
    figures: F.Figures,
    next_steps: str = "",
    problems: str = "",
) -> tuple[bytes, ReportTemplate | None]:
    """The filled .docx and the uploaded template it was made from (None: the shipped one)."""
    context = C.live_context(
        user=user,
        node=node,
        day=day,
        figures=figures,
        next_steps=next_steps,
        problems=problems,
    )
    source, uploaded = T.template_source(node, kind)
    data = T.render(source, context)
    left = C.leftovers(T.docx_text(data))
    if left:
        raise UserError(
            _(
                "The report would still contain %(marks)s; the template of %(place)s must be "
                "corrected (report templates page)."
            )
            % {
                "marks": "、".join(f"“{m}”" for m in left),
                "place": uploaded.jurisdiction.name if uploaded else _("Fugong"),
            },
            code="placeholder_left",
        )
    return data, uploaded
