"""Errors of the API: always JSON ``{"code": ..., "message": ...}`` (DESIGN §6: a clear error in
the user's language). ``code`` is stable and machine-readable; ``message`` is translated for the
request's language (Russian by default)."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError


class ErrorOut(Schema):
    code: str
    message: str
    details: list[dict] | None = None


class ApiError(HttpError):
    """An error with a machine-readable code; raise it anywhere in an endpoint or auth."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code, message)
        self.code = code
        self.message = message


# Responses every authenticated endpoint may give, for the OpenAPI document.
COMMON_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

BAD_REQUEST = {
    "description": "Bad Request: the body cannot be read (not JSON, a broken form)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


def declare_bad_request(document: dict) -> dict:
    """400 ``bad_request`` declared on every operation that reads a body, the only ones that
    can answer it: ninja refuses a body it cannot parse before the endpoint runs (issue 16,
    finding 3: the answer was given and declared nowhere). One rule for the whole document,
    so a new endpoint cannot miss it."""
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                responses = {400: BAD_REQUEST, **operation["responses"]}
                operation["responses"] = dict(sorted(responses.items(), key=lambda r: int(r[0])))
    return document


VALIDATION_ERROR = {
    "description": "Unprocessable Content: a parameter or the body is not valid",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


def declare_validation_error(document: dict) -> dict:
    """422 ``validation_error`` declared on every operation that reads a parameter or a body:
    ninja validates them before the endpoint runs (a path id that is not a number, a query
    out of range) and refuses with 422 (issue 16, "Keep it found": schemathesis found it given
    and not declared, e.g. ``DELETE /auth/tokens/true``). One rule for the whole document."""
    for item in document["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or {422, "422"} & set(operation["responses"]):
                continue
            if operation.get("parameters") or "requestBody" in operation:
                responses = {422: VALIDATION_ERROR, **operation["responses"]}
                operation["responses"] = dict(sorted(responses.items(), key=lambda r: int(r[0])))
    return document


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    details: list[dict] | None = None,
) -> HttpResponse:
    body: dict = {"code": code, "message": str(message)}
    if details is not None:
        body["details"] = details
    response = api.create_response(request, body, status=status)
    if status == 401:
        # RFC 6750 §3: tell the client which scheme to use.
        response["WWW-Authenticate"] = 'Bearer realm="zhurnal"'
    return response


def not_authenticated_message() -> str:
    return _('Log in first: send the header "Authorization: Bearer <token>".')


def _clean_validation_errors(errors: list[dict]) -> list[dict]:
    """Where the input is wrong and why, without objects JSON cannot carry (pydantic ``ctx``)."""
    return [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]


def install_handlers(api: NinjaAPI) -> None:
    """Replace ninja's ``{"detail": ...}`` answers by ours."""

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error_response(api, request, exc.status_code, exc.code, exc.message)

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(api, request, 401, "not_authenticated", not_authenticated_message())

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(
            api, request, 403, "permission_denied", _("You have no access to this.")
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(ValidationError)
    def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(
            api,
            request,
            422,
            "validation_error",
            _("The request contains invalid data."),
            details=_clean_validation_errors(exc.errors),
        )

    @api.exception_handler(BadRequest)
    @api.exception_handler(MultiPartParserError)
    def unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A form Django cannot read (a broken multipart body): the API's 400, not the HTML page.
        return error_response(api, request, 400, "bad_request", _("The request could not be read."))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja's own errors: a body that is not JSON (400), throttling (429), ...
        codes = {400: "bad_request", 403: "permission_denied", 429: "too_many_requests"}
        messages = {
            400: _("The request could not be read."),
            403: _("You have no access to this."),
            429: _("Too many requests. Try again later."),
        }
        status = exc.status_code
        return error_response(
            api,
            request,
            status,
            codes.get(status, "error"),
            messages.get(status, _("The request failed.")),
        )
