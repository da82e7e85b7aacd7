"""The school's OneRoster 1.2 package through the API (issue 17 item 3): the zip the director
downloads on the page, under the same rule (``exchange.export``), audited the same way."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router

from zhurnal.accounts.access import school_for
from zhurnal.audit.actor import Actor
from zhurnal.exchange import queries, services
from zhurnal.school.calendar import school_today

from .auth import token_auth
from .errors import COMMON_ERRORS

router = Router(auth=token_auth, tags=["exchange"])


@router.get(
    "/schools/{school_id}/oneroster",
    response=COMMON_ERRORS,
    summary="The school's OneRoster 1.2 package (CSV binding, bulk) as a zip",
    description=(
        "`year_id` (default: the current academic year). The files of the OneRoster 1.2 CSV "
        "binding with their manifest; the demographics only with the school's consent. "
        "Audited as an export of personal data. A year of another school: 404."
    ),
    openapi_extra={
        "x-permission": "exchange.export",
        "responses": {
            "200": {
                "description": "The zip",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    },
)
def oneroster(request: HttpRequest, school_id: int, year_id: int | None = None) -> HttpResponse:
    school = school_for(request.user, school_id, "exchange.export")
    year = queries.package_year(school, school_today(school), year_id)
    if year is None:
        raise Http404
    content = services.export_package(school=school, year=year, actor=Actor.of(request))
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="{services.package_name(school, year)}"'
    )
    return response
