"""Background work of the archive (Django tasks API, run by `zhurnal db_worker`): a class's
journal of a year (about a minute) and a year's archive package (every class's documents:
minutes) — longer than a request may take."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from zhurnal.audit.actor import Actor
from zhurnal.school.models import AcademicYear

from .models import JournalPrint
from .services import build_package, make_journal_print


@task()
def print_journal_task(print_id: int) -> int:
    """Print a queued class journal; its number of pages."""
    job = JournalPrint.objects.get(pk=print_id)
    return make_journal_print(job).pages or 0


@task()
def build_package_task(year_id: int, actor_id: int | None) -> int:
    """Build the package of the year as the director who asked; its id."""
    year = AcademicYear.objects.select_related("school").get(pk=year_id)
    user = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    package = build_package(school=year.school, year=year, actor=Actor(user=user))
    return package.pk
