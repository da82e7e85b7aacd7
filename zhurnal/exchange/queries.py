"""The exchange's read models: the year a package is of, the school's consent, the uploads."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from zhurnal.school.calendar import current_year
from zhurnal.school.models import AcademicYear, School

from .models import ExchangePolicy, RegionalUpload, UploadState


def package_year(school: School, today: date, year_id: int | None = None) -> AcademicYear | None:
    """The year asked for (one of the school's), else the current one (between two years the
    coming one), else the school's last."""
    years = AcademicYear.objects.filter(school=school)
    if year_id is not None:
        return years.filter(pk=year_id).first()
    return current_year(school, today) or years.order_by("-start").first()


def policy(school: School) -> ExchangePolicy:
    """The school's exchange settings; unsaved defaults (no demographics) when none."""
    return ExchangePolicy.objects.filter(school=school).first() or ExchangePolicy(school=school)


def uploads(school: School, limit: int = 20) -> QuerySet[RegionalUpload]:
    return RegionalUpload.objects.filter(school=school).select_related("requested_by")[:limit]


def pending_upload(school: School) -> RegionalUpload | None:
    return RegionalUpload.objects.filter(school=school, state=UploadState.PENDING).first()


def last_sent(school: School) -> RegionalUpload | None:
    return (
        RegionalUpload.objects.filter(school=school, state=UploadState.SENT)
        .order_by("-sent_at")
        .first()
    )
