"""The REST API, /api/v1/ (DESIGN §5): django-ninja, bearer tokens, OpenAPI at
/api/v1/openapi.json. No interactive docs page: it would load Swagger from a CDN, which the
content security policy forbids and offline schools do not have."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from . import (
    absences,
    announcements,
    assessments,
    auth,
    diary,
    exchange,
    journal,
    messaging,
    notes,
    notifications,
    oversight,
    reports,
    schools,
    timetable,
    yearend,
)
from .errors import (
    declare_bad_request,
    declare_validation_error,
    error_response,
    install_handlers,
)


class ZhurnalAPI(NinjaAPI):
    """ninja's API with the answers ninja gives itself declared in its OpenAPI document."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return declare_validation_error(declare_bad_request(document))


api = ZhurnalAPI(
    title="Zhurnal API",
    version="1",
    description=(
        "Electronic class journal. Get a token with POST /api/v1/auth/token and send it as "
        "'Authorization: Bearer <token>'. Errors are JSON {code, message}."
    ),
    urls_namespace="api",
    docs_url=None,
    auth=auth.token_auth,
)
install_handlers(api)
api.add_router("/auth", auth.router)
api.add_router("/", schools.router)
api.add_router("/", timetable.router)
api.add_router("/", journal.router)
api.add_router("/", notes.router)
api.add_router("/", assessments.router)
api.add_router("/", diary.router)
api.add_router("/", absences.router)
api.add_router("/", messaging.router)
api.add_router("/", announcements.router)
api.add_router("/", notifications.router)
api.add_router("/", reports.router)
api.add_router("/", oversight.router)
api.add_router("/", yearend.router)
api.add_router("/", exchange.router)


def not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Any other address under /api/v1/: a JSON 404, not the HTML page."""
    from django.utils.translation import gettext as _

    return error_response(api, request, 404, "not_found", _("Not found."))


HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def endpoints() -> list[tuple[str, str, str | None]]:
    """Every endpoint as (METHOD, path under /api/v1, permission or None), from the OpenAPI
    document, so that the access-matrix tests cannot miss a new one."""
    result = []
    for path, item in api.get_openapi_schema(path_prefix="")["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                result.append((method.upper(), path, operation.get("x-permission")))
    return sorted(result)
