"""Input types shared by the API routers: bounded numbers and pages, text without NUL. A value
the database cannot store is answered with 422 and a sentence, never a database error."""

from __future__ import annotations

from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination
from pydantic import AfterValidator

from fugong.core.ids import ID_MAX

# The largest value PostgreSQL's integer column (PositiveIntegerField) takes.
INT_MAX = 2_147_483_647


def _no_nul(value: str) -> str:
    # PostgreSQL rejects NUL in text; say so instead of failing on save.
    if "\x00" in value:
        raise ValueError(_("The text contains a NUL character; remove it."))
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Count = Annotated[int, Field(ge=0, le=INT_MAX)]
Id = Annotated[int, Field(ge=1, le=ID_MAX)]


# The most items one page of any list returns.
MAX_PAGE_SIZE = 1000


class Pagination(LimitOffsetPagination):
    """limit and offset as usual, bounded so that a huge number is a 422, not a database error
    (and a page is never larger than MAX_PAGE_SIZE). Every paginated endpoint uses this one."""

    class Input(Schema):
        limit: int = Field(ninja_settings.PAGINATION_PER_PAGE, ge=1, le=MAX_PAGE_SIZE)
        offset: int = Field(0, ge=0, le=INT_MAX)


class ErrorOut(Schema):
    """The one error shape of the API: a stable code for programs and a sentence for people
    (403: ``{"code": "forbidden", "message": ...}``, see ``fugong.core.permissions``). An
    endpoint may extend it with fields of its own (``RulesFailedOut``)."""

    code: str
    message: str
