"""The exchange's pages: the director's OneRoster export (a download of the year's package,
and the school's consent to share demographics) and the administrator's regional upload (its
destination, the deliveries with their state, attempts and last error; «Upload now»)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school, require, school_permission
from zhurnal.school.calendar import school_today
from zhurnal.school.models import AcademicYear

from . import queries, services, transport
from .models import UploadTrigger


def _year_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() else None


@school_permission("exchange.export")
def oneroster(request: HttpRequest) -> HttpResponse:
    school = current_school(request)
    today = school_today(school)
    return render(
        request,
        "exchange/oneroster.html",
        {
            "years": AcademicYear.objects.filter(school=school).order_by("-start"),
            "year": queries.package_year(school, today),
            "policy": queries.policy(school),
            "may_consent": request.user.has_perm("exchange.manage_consent", school),
        },
    )


@school_permission("exchange.export")
def download(request: HttpRequest) -> HttpResponse:
    """The year's package as a zip (issue 17 item 3), audited as a personal data export."""
    school = current_school(request)
    year = queries.package_year(school, school_today(school), _year_id(request))
    if year is None:
        raise Http404
    content = services.export_package(school=school, year=year, actor=Actor.of(request))
    response = HttpResponse(content, content_type="application/zip")
    name = services.package_name(school, year)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def consent(request: HttpRequest) -> HttpResponse:
    school = current_school(request)
    require(request.user, "exchange.manage_consent", school)
    try:
        services.set_consent(
            school=school,
            share=request.POST.get("share_demographics") == "on",
            document=request.POST.get("consent_document", ""),
            actor=Actor.of(request),
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The setting is saved."))
    return redirect("exchange:oneroster")


@school_permission("exchange.view_uploads")
def uploads(request: HttpRequest) -> HttpResponse:
    school = current_school(request)
    return render(
        request,
        "exchange/uploads.html",
        {
            "destination": transport.destination(),
            "has_token": bool(settings.ZHURNAL_REGION_UPLOAD_TOKEN),
            "every_days": settings.ZHURNAL_REGION_UPLOAD_EVERY_DAYS,
            "uploads": list(queries.uploads(school)),
            "pending": queries.pending_upload(school),
            "may_run": request.user.has_perm("exchange.run_upload", school),
        },
    )


@login_required
@require_POST
def run_upload(request: HttpRequest) -> HttpResponse:
    school = current_school(request)
    require(request.user, "exchange.run_upload", school)
    upload = services.queue_upload(
        school=school, actor=Actor.of(request), trigger=UploadTrigger.MANUAL
    )
    if upload is None:
        messages.info(
            request, _("No upload was queued: one is pending, or no destination is configured.")
        )
    else:
        messages.success(request, _("The upload is queued; it runs in the background."))
    return redirect("exchange:uploads")
