"""The API's refusals that Django Ninja would answer in English, answered in the
caller's language with a stable code (issue 14 point 8): an unknown id, a body that is
not JSON, a missing or invalid field, a request without a session.

The shape stays Ninja's (``detail``) so existing clients keep working, plus the
``code`` and ``message`` every other refusal of ours carries.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from prachum.api.error_codes import ApiError
from prachum.core.text import TextRefusedError, gate_data, invalid_text_message


class GatedParser(Parser):
    """Ninja's JSON parser with the text gate (issue 15 point 4) on every string.

    A body or query string carrying a lone surrogate, a control character or a bidi
    override never reaches a schema or the database (it used to be a 500 when SQLite or
    PostgreSQL refused to store it); every other string arrives NFC-normalised.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return gate_data(super().parse_body(request))  # type: ignore[no-any-return]

    def parse_querydict(
        self,
        data: MultiValueDict[str, Any],
        list_fields: list[str],
        request: HttpRequest,
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        try:
            return gate_data(parsed)  # type: ignore[no-any-return]
        except TextRefusedError as exc:
            raise ValidationError([_text_error(exc)]) from exc


def _text_error(exc: TextRefusedError) -> dict[str, Any]:
    return {"type": "invalid_text", "loc": tuple(str(exc.field).split("."))}


def _field_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "invalid_text":
        return str(invalid_text_message())
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith(("string_too_long", "too_long")):
        return _("This field is too long.")
    if kind.startswith(("uuid", "int", "float", "decimal", "bool", "date", "time")):
        return _("This field has the wrong type of value.")
    if kind in {"literal_error", "enum"}:
        return _("This field has a value that is not one of the allowed choices.")
    return _("This field is not valid.")


def _field_name(error: dict[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ()) if part not in {"body"}]
    return ".".join(location[1:] if location[:1] == ["payload"] else location)


def register(api: NinjaAPI) -> None:
    """Install the text gate and the handlers on ``api``."""
    api.parser = GatedParser()

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        message = _("Not found, or you are not on the committee it belongs to.")
        return api.create_response(
            request,
            {"code": ApiError.NOT_FOUND, "message": message, "detail": message},
            status=404,
        )

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        details = [
            {**error, "msg": _field_message(error), "field": _field_name(error)}
            for error in exc.errors
        ]
        # The fields are named in ``detail`` (their names are the API's, in English).
        message = _("Some values are missing or not valid: see the list of fields.")
        for detail in details:
            detail.pop("ctx", None)
            detail.pop("url", None)
        return api.create_response(
            request,
            {"code": ApiError.INVALID_INPUT, "message": message, "detail": details},
            status=422,
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, TextRefusedError):  # the body parser's gate
            return invalid(request, ValidationError([_text_error(exc.__cause__)]))
        if isinstance(exc, AuthenticationError) or exc.status_code == 401:
            code, message = ApiError.NOT_LOGGED_IN, _("Log in first.")
        elif exc.status_code == 403:
            code, message = ApiError.FORBIDDEN, _("You are not allowed to do this.")
        elif exc.status_code == 429:
            code, message = ApiError.TOO_MANY, _("Too many requests: wait a moment.")
        else:
            code, message = (
                ApiError.BAD_REQUEST,
                _("The request could not be read: send the data as JSON."),
            )
        return api.create_response(
            request,
            {"code": code, "message": message, "detail": message},
            status=exc.status_code,
        )
