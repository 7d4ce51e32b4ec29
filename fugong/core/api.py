"""The JSON API at /api/v1/: token authentication, errors as {"code", "message"}."""

from __future__ import annotations

import contextlib
import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer

from fugong.core import registry
from fugong.core.busy import RETRY_AFTER_SECONDS, busy_message, is_database_busy
from fugong.core.errors import UserError
from fugong.core.permissions import general_refusal, refusal_message


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        api_token = registry.hook("authenticate_token")(token)
        if api_token is None:
            return None
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


class Rfc3339Encoder(NinjaJSONEncoder):
    """Times as RFC 3339 in the site's time zone, with its offset and whole seconds
    (``2026-12-06T15:16:00+08:00``); dates stay ``2026-12-06``."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            if timezone.is_naive(o):
                o = timezone.make_aware(o)
            return timezone.localtime(o).isoformat(timespec="seconds")
        return super().default(o)


class Renderer(JSONRenderer):
    encoder_class = Rfc3339Encoder


api = NinjaAPI(
    title="Fugong API",
    version="1",
    description="复工复产服务平台 JSON API. Send `Authorization: Bearer <token>`; "
    "get a token from POST /api/v1/auth/token.",
    auth=BearerToken(),
    urls_namespace="api",
    renderer=Renderer(),
)


def error(request, code: str, message: str, status: int, **extra):
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return error(
        request,
        "unauthorized",
        _("Sign in first: send a valid token as Authorization: Bearer <token>."),
        401,
    )


def _validation_messages() -> dict:
    """A sentence in the user's language for each kind of pydantic error a client meets; its
    own English text stays for the kinds not listed."""
    return {
        "missing": _("This field is required."),
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "int_from_float": _("Enter a whole number."),
        "float_parsing": _("Enter a number."),
        "float_type": _("Enter a number."),
        "decimal_parsing": _("Enter a number."),
        "decimal_type": _("Enter a number."),
        "finite_number": _("Enter a finite number."),
        "bool_parsing": _("Enter true or false."),
        "bool_type": _("Enter true or false."),
        "string_type": _("Enter text."),
        "date_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_type": _("Enter a date as YYYY-MM-DD."),
        "datetime_parsing": _("Enter a date and time such as 2026-12-06T15:16:00+08:00."),
        "datetime_from_date_parsing": _("Enter a date and time such as 2026-12-06T15:16:00+08:00."),
        "datetime_type": _("Enter a date and time such as 2026-12-06T15:16:00+08:00."),
        "time_parsing": _("Enter a time as HH:MM."),
        "enum": _("Choose one of: %(expected)s."),
        "literal_error": _("Choose one of: %(expected)s."),
        "string_too_long": _("Use at most %(max_length)s characters."),
        "string_too_short": _("Use at least %(min_length)s characters."),
        "too_long": _("Give at most %(max_length)s items."),
        "greater_than_equal": _("Enter a value of at least %(ge)s."),
        "greater_than": _("Enter a value greater than %(gt)s."),
        "less_than_equal": _("Enter a value of at most %(le)s."),
        "less_than": _("Enter a value less than %(lt)s."),
        "json_invalid": _("The body is not valid JSON."),
        "extra_forbidden": _("This field is not accepted here."),
        "list_type": _("Give a list."),
        "dict_type": _("Give an object."),
        "model_attributes_type": _("Give an object."),
    }


def localized_errors(errors: list) -> list:
    """Pydantic's errors with ``msg`` in the user's language where we know the kind; ``type``
    and ``loc`` stay as they are for programs."""
    messages = _validation_messages()
    out = []
    for item in errors:
        if not isinstance(item, dict):
            out.append(item)
            continue
        template = messages.get(item.get("type"))
        if template is not None:
            # pydantic lists choices as "'a', 'b' or 'c'": no English word in the sentence.
            ctx = {k: str(v).replace(" or ", ", ") for k, v in (item.get("ctx") or {}).items()}
            # A context this sentence does not expect keeps pydantic's own text.
            with contextlib.suppress(KeyError, TypeError, ValueError):
                item = {**item, "msg": template % ctx if "%(" in template else template}
        out.append(item)
    return out


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc):
    return error(
        request,
        "invalid",
        _("The request is not valid; see details."),
        422,
        details=localized_errors(exc.errors),
    )


@api.exception_handler(ValidationError)
def on_model_validation_error(request, exc):
    details = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return error(request, "invalid", _("The data is not valid; see details."), 422, details=details)


@api.exception_handler(UserError)
def on_user_error(request, exc):
    return error(request, exc.code, exc.message, exc.status, **getattr(exc, "extra", {}))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error(request, "not_found", _("Not found."), 404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    # The one 403 shape (fugong.core.permissions); NotAllowed comes here too, via UserError.
    return error(request, "forbidden", refusal_message(exc) or general_refusal(), 403)


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    return error(request, getattr(exc, "code", "error"), str(exc), exc.status_code)


@api.exception_handler(MultiPartParserError)
def on_unreadable_body(request, exc):
    # A body declared as multipart that is not (no boundary, cut short): the client's mistake.
    return error(
        request,
        "invalid",
        _("The request body cannot be read; check its Content-Type."),
        400,
    )


@api.exception_handler(Exception)
def on_server_error(request, exc):
    if is_database_busy(exc):
        response = error(request, "busy", busy_message(), 503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    logging.getLogger("fugong.api").exception("API error on %s", request.path)
    return error(
        request, "server_error", _("Something went wrong on our side; please try again."), 500
    )


def register_routers() -> None:
    """The routers the apps declared (``registry.add_api_router``), in their order."""
    for entry in registry.api_routers():
        api.add_router(entry.prefix, entry.router)


register_routers()
