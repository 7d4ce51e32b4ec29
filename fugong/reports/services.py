"""Reports generated, not typed (C12, issue 5 point 5): the daily table (日报), the zero
report (零报告), the four ledgers of seed 003 and the narrative report in the shape of seed 000
or 003, for any jurisdiction and day, as background jobs. Every figure comes from
``fugong.stats.figures``.

- ``start_report(user=, node=, day=, kind=, next_steps=, problems=) -> Job``
- ``template_upload(user=, node=, kind=, uploaded_file=) -> ReportTemplate``
- ``PLACEHOLDERS``: kind → the names a narrative template may use
"""

from fugong.reports.context import PLACEHOLDER_HELP
from fugong.reports.jobs import JOB_KIND, start_report
from fugong.reports.templates import (
    PLACEHOLDERS,
    template_for,
    template_set_active,
    template_upload,
)

__all__ = [
    "JOB_KIND",
    "PLACEHOLDERS",
    "PLACEHOLDER_HELP",
    "start_report",
    "template_for",
    "template_set_active",
    "template_upload",
]
