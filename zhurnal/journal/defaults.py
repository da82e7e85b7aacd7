"""The work types a school starts with (DESIGN §2, «Вид работы»); a school edits them."""

from __future__ import annotations

from decimal import Decimal

from zhurnal.school.models import School

from .models import WorkCategory, WorkType

# (code, name, weight, deadline category)
DEFAULT_WORK_TYPES = (
    ("У", "Устный ответ", Decimal(1), WorkCategory.ORAL),
    ("ДЗ", "Домашняя работа", Decimal(1), WorkCategory.WRITTEN),
    ("СР", "Самостоятельная работа", Decimal("1.5"), WorkCategory.WRITTEN),
    ("Д", "Диктант", Decimal(2), WorkCategory.WRITTEN),
    ("Т", "Тест", Decimal("1.5"), WorkCategory.WRITTEN),
    ("ПР", "Практическая работа", Decimal("1.5"), WorkCategory.WRITTEN),
    ("ЛР", "Лабораторная работа", Decimal("1.5"), WorkCategory.WRITTEN),
    ("КР", "Контрольная работа", Decimal(2), WorkCategory.WRITTEN),
)


def ensure_work_types(school: School) -> list[WorkType]:
    """The school's work types, creating the defaults the first time (two queries after)."""
    existing = list(WorkType.objects.filter(school=school))
    if existing:
        return existing
    return WorkType.objects.bulk_create(
        WorkType(school=school, code=code, name=name, weight=weight, category=category, position=i)
        for i, (code, name, weight, category) in enumerate(DEFAULT_WORK_TYPES)
    )
