"""The pages of the printed journals and the archive (issue 13; seed 002 §4.1–4.2, §5.7–5.9):
the deputies' and the director's page of a year's classes with their documents to print (the
journal by the worker, the summary sheet and the report cards at once), the term copies made
at each term's end, and the director's archive packages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school, in_school, school_permission
from zhurnal.school.calendar import latest_year, school_today
from zhurnal.school.models import AcademicYear

from . import storage
from .access import journal_print_for, package_for, print_class_for, term_copy_for
from .models import DocumentKind
from .queries import archive_index
from .services import open_package, print_document, request_journal_print
from .tasks import build_package_task


@school_permission("archive.print")
def index(request: HttpRequest) -> HttpResponse:
    """A year's classes with their journal, summary sheet and report cards to print; the term
    copies in the archive; for the director, the year's archive packages."""
    school = current_school(request)
    year_id = request.GET.get("year")
    if year_id and year_id.isdigit():
        year = in_school(school, AcademicYear.objects.all(), pk=int(year_id))
    else:
        year = latest_year(school, school_today(school))
    may_package = request.user.has_perm("archive.package", school)
    page = archive_index(school, year, with_packages=may_package)
    return render(
        request, "archive/index.html", {**page.__dict__, "year": year, "may_package": may_package}
    )


def _pdf(request: HttpRequest, class_id: int, kind: DocumentKind, filename: str) -> HttpResponse:
    school = current_school(request)
    school_class = print_class_for(request.user, school, class_id)
    document = print_document(
        school_class=school_class,
        kind=kind,
        printed=school_today(school),
        actor=Actor.of(request),
    )
    response = HttpResponse(document.content, content_type="application/pdf")
    name = f"{storage.safe(school_class.name)}-{storage.safe(school_class.year.title)}-{filename}"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def journal(request: HttpRequest, class_id: int) -> HttpResponse:
    """Print the class journal of the year (seed 002 §4.1, §5.7): the worker makes the PDF/A,
    the archive's page offers it when it is ready."""
    school = current_school(request)
    school_class = print_class_for(request.user, school, class_id)
    request_journal_print(school_class=school_class, actor=Actor.of(request))
    messages.success(
        request,
        _("The journal of %(class)s is being printed; it appears on this page in a minute or two.")
        % {"class": school_class.name},
    )
    return redirect(f"{reverse('archive:index')}?year={school_class.year_id}")


@login_required
def printed(request: HttpRequest, print_id: int) -> FileResponse:
    """A printed class journal from the archive storage."""
    job = journal_print_for(request.user, current_school(request), print_id)
    return _stored(job.path)


@login_required
def summary(request: HttpRequest, class_id: int) -> HttpResponse:
    """The summary sheet of the marks of the year (seed 002 §5.9), PDF/A."""
    return _pdf(request, class_id, DocumentKind.SUMMARY, "summary")


@login_required
def report_cards(request: HttpRequest, class_id: int) -> HttpResponse:
    """The report cards of the class's students, one page each, PDF/A."""
    return _pdf(request, class_id, DocumentKind.REPORT_CARDS, "report-cards")


@login_required
def term_copy(request: HttpRequest, copy_id: int) -> FileResponse:
    """A term copy from the archive storage, as it was made."""
    copy = term_copy_for(request.user, current_school(request), copy_id)
    return _stored(copy.path)


def _stored(relative: str) -> FileResponse:
    path = storage.root() / relative
    if not relative or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@require_POST
@school_permission("archive.package")
def build(request: HttpRequest) -> HttpResponse:
    """Build a new version of a year's archive package, in the background."""
    school = current_school(request)
    year_id = request.POST.get("year", "")
    if not year_id.isdigit():
        raise Http404
    year = in_school(school, AcademicYear.objects.all(), pk=int(year_id))
    actor_id = request.user.pk
    transaction.on_commit(lambda: build_package_task.enqueue(year.pk, actor_id))
    messages.success(
        request,
        _("The archive package of %(year)s is being built; it appears below when it is ready.")
        % {"year": year},
    )
    return redirect(f"{reverse('archive:index')}?year={year.pk}")


@login_required
def package(request: HttpRequest, package_id: int) -> FileResponse:
    """An archive package as one ZIP, for the director (logged: a year's personal data)."""
    school = current_school(request)
    found = package_for(request.user, school, package_id)
    stream = open_package(package=found, actor=Actor.of(request))
    return FileResponse(
        stream,
        as_attachment=True,
        filename=f"{storage.safe(found.year.title)}-archive-v{found.version}.zip",
        content_type="application/zip",
    )
