"""Reusable test cases, as NetBox's ``utilities/testing`` ``ViewTestCases``: a model's test class
inherits the checks it needs and fills them with calls built from its own small data (the
``world`` fixture the class defines, built through the real services by each app's
``testing.py``). Core knows no domain app: the checks speak HTTP, ``AuditLog`` and query counts.

- ``RefusesWithoutRole``: a signed-in user without the role gets the shared refusal (403 page,
  403 JSON ``forbidden``).
- ``HidesOutsideScope``: an object outside the user's data scope is 404 (page and JSON
  ``not_found``), while a user in scope gets it.
- ``OneAuditRowPerWrite``: each write leaves exactly one audit row, by the acting user.
- ``FixedQueryCount``: a list costs as many queries with N rows as with more.

``built_for_the_class`` builds a class's data once. ``run_import`` drives one import through
the engine (upload, check, commit) in the test's thread. ``issue_token``/``bearer`` are the one way tests get an API token through the API itself.
"""

from fugong.core.testing.api import TEST_PASSWORD, bearer, issue_token
from fugong.core.testing.checks import (
    Call,
    FixedQueryCount,
    HidesOutsideScope,
    OneAuditRowPerWrite,
    RefusesWithoutRole,
    Write,
    send,
)
from fugong.core.testing.fixtures import built_for_the_class, world_fixtures
from fugong.core.testing.imports import run_import

__all__ = [
    "run_import",
    "TEST_PASSWORD",
    "Call",
    "FixedQueryCount",
    "HidesOutsideScope",
    "OneAuditRowPerWrite",
    "RefusesWithoutRole",
    "Write",
    "bearer",
    "built_for_the_class",
    "world_fixtures",
    "issue_token",
    "send",
]
