"""The reports' pages (issue 12, item 3; seed 002 §2.2–2.5, regulation 2.3.2): the school's
results by class, parallel, subject and teacher; the lists of excellent, good and failing
students; a class's report and its summary sheet; attendance; a teacher's report on their
courses. Each page is also an XLSX workbook and an A4 PDF (``?format=xlsx|pdf``) of the same
tables.

Every page checks its ``reports.*`` rule through the access entry points (``reports.access``,
``core.access``); the figures are ``results``' and ``analysis``', computed from the period marks
and, before they are entered, from the journal's forecasts."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from zhurnal.accounts.context import context
from zhurnal.core.access import current_school, school_permission
from zhurnal.journal.attendance_counts import class_attendance
from zhurnal.school.calendar import latest_year, school_today
from zhurnal.school.courses import class_id_of_course
from zhurnal.school.models import AcademicYear, Course, SchoolClass, Staff, Term

from . import analysis, report_tables
from .access import report_class_for, report_teacher_for
from .charts import percent_bars
from .exports import respond
from .forms import PeriodForm, RangeForm, attendance_range
from .periods import Period, reference_day
from .results import PeriodResults, period_results, with_previous

BY_CHOICES = ("class", "parallel", "subject", "teacher")


def _year(school, today: date) -> tuple[AcademicYear, list[Term]]:
    """The year the reports are of (the current one, else the last), with its terms."""
    year = latest_year(school, today)
    if year is None:
        raise Http404(_("The school has no academic year yet."))
    terms = list(Term.objects.filter(year=year).order_by("start", "kind", "number"))
    return year, terms


def _classes(school, year, ids=None) -> list[SchoolClass]:
    classes = SchoolClass.objects.filter(school=school, year=year).select_related(
        "grade_level", "class_teacher"
    )
    if ids is not None:
        classes = classes.filter(pk__in=ids)
    return sorted(classes, key=lambda c: (c.grade_level.number, c.letter))


def _period_page(request: HttpRequest, school):
    today = school_today(school)
    year, terms = _year(school, today)
    form = PeriodForm(request.GET, year=year, terms=terms, today=today)
    period = form.chosen()
    return today, year, terms, form, period


def _period_title(period: Period, results: PeriodResults) -> str:
    """The period as the report names it, with the other terms reported with it."""
    kinds = {c.term for c in results.classes if c.term is not None and c.term != period.term}
    title = str(period)
    if kinds:
        title += " (" + ", ".join(sorted(t.title for t in kinds)) + ")"
    if any(c.term is not None and c.day < c.term.end for c in results.classes) or (
        period.is_year and any(c.day < period.year.end for c in results.classes)
    ):
        title += " — " + _(
            "the period is not over: where a mark is not entered, the journal's forecast is taken"
        )
    return title


# --- the index -------------------------------------------------------------------------------


@school_permission("reports.index")
def index(request: HttpRequest) -> HttpResponse:
    """What the user may report on: the school (administration), the classes they lead, their
    own courses."""
    school = current_school(request)
    today = school_today(school)
    year = latest_year(school, today)
    ctx = context(request.user, school.pk)
    whole_school = request.user.has_perm("reports.view_school", school)
    classes = []
    if year is not None:
        ids = None if whole_school else ctx.led_class_ids
        classes = _classes(school, year, ids)
    teachers = []
    if whole_school and year is not None:
        teachers = list(
            Staff.objects.filter(courses__year=year, courses__school=school, school=school)
            .distinct()
            .order_by("last_name", "first_name")
        )
    return render(
        request,
        "reports/index.html",
        {
            "whole_school": whole_school,
            "classes": classes,
            "teachers": teachers,
            "own_staff_id": ctx.staff_id if ctx.taught_course_ids else None,
            "year": year,
        },
    )


# --- the school's results --------------------------------------------------------------------


@school_permission("reports.view_school")
def results(request: HttpRequest) -> HttpResponse:
    """The school's results of a period by class, parallel, subject or teacher, compared with
    the previous term, with a chart of the success rate and the quality."""
    school = current_school(request)
    today, year, terms, form, period = _period_page(request, school)
    by = request.GET.get("by") if request.GET.get("by") in BY_CHOICES else "class"
    classes = _classes(school, year)
    now, before, earlier = with_previous(school, period, classes, today, terms)
    compare = earlier is not None
    success, quality = _("Success, %"), _("Quality, %")
    unmarked = []
    if by in ("class", "parallel"):
        rows = (analysis.by_class if by == "class" else analysis.by_parallel)(now, earlier)
        # Classes without a result (the 1st grade learns without marks) are named apart.
        unmarked = [row.label for row in rows if not row.figures.students]
        rows = [row for row in rows if row.figures.students]
        first = _("Class") if by == "class" else _("Grade")
        table = report_tables.figures_table(
            "",
            first,
            rows,
            (analysis.school_figures(now), analysis.school_figures(earlier)),
            compare=compare,
            url=((lambda row: _class_url(row.school_class, period)) if by == "class" else None),
        )
        points = [(row.label, [row.figures.success_rate, row.figures.quality]) for row in rows]
    else:
        rows = (analysis.by_subject if by == "subject" else analysis.by_teacher)(now, earlier)
        table = report_tables.tally_table(
            "", _("Subject") if by == "subject" else _("Teacher"), rows, compare=compare
        )
        points = [(row.label, [row.tally.success_rate, row.tally.quality]) for row in rows]
    title = _("Results of the school")
    subtitle = _period_title(period, now)
    return respond(
        request,
        "reports/results.html",
        {
            "form": form,
            "by": by,
            "by_choices": [
                ("class", _("by class")),
                ("parallel", _("by parallel")),
                ("subject", _("by subject")),
                ("teacher", _("by teacher")),
            ],
            "period": period,
            "previous": before,
            "other_classes": now.other_classes,
            "unmarked": unmarked,
            "chart": percent_bars(title, [success, quality], points),
        },
        title=title,
        subtitle=subtitle,
        tables_=[table],
        filename=f"results-{period.key}-{by}",
        landscape=True,
        sign=_("Deputy director"),
    )


def _class_url(school_class: SchoolClass, period: Period) -> str:
    return reverse("reports:class_report", args=[school_class.pk]) + f"?period={period.key}"


@school_permission("reports.view_school")
def lists(request: HttpRequest) -> HttpResponse:
    """Excellent and good students, those with one «3», the failing: the whole school's."""
    school = current_school(request)
    today, year, terms, form, period = _period_page(request, school)
    now = period_results(school, period, _classes(school, year), today, terms=terms)
    return respond(
        request,
        "reports/lists.html",
        {"form": form, "period": period},
        title=_("Excellent, good and failing students"),
        subtitle=_period_title(period, now),
        tables_=report_tables.list_tables(analysis.student_lists(now), with_class=True),
        filename=f"lists-{period.key}",
    )


# --- a class ---------------------------------------------------------------------------------


@login_required
def class_report(request: HttpRequest, class_id: int) -> HttpResponse:
    """The class teacher's report of the class for a period (seed 002 §2.3: анализ успеваемости
    и посещаемости): its figures against the previous term, its subjects, its lists, its
    attendance over the period."""
    school = current_school(request)
    school_class = report_class_for(request.user, school, class_id)
    today, year, terms, form, period = _period_page(request, school)
    if school_class.year_id != year.pk:
        raise Http404
    now, before, earlier = with_previous(school, period, [school_class], today, terms)
    if not now.classes:
        return render(
            request,
            "reports/not_in_period.html",
            {"form": form, "school_class": school_class, "others": now.other_classes},
        )
    own = now.classes[0]
    figures = analysis.class_figures(now, own)
    previous_figures = (
        analysis.class_figures(earlier, earlier.classes[0])
        if (earlier and earlier.classes)
        else None
    )
    course_ids = sorted(
        {c for s in own.students for c in now.of(s.pk)},
        key=lambda pk: (now.courses[pk].subject, pk),
    )
    rows = analysis.by_course(now, course_ids, earlier, with_class=False)
    for row, course_id in zip(rows, course_ids, strict=True):
        row.teachers = now.courses[course_id].teachers
    compare = earlier is not None
    span = own.term or period.year
    attendance = class_attendance(school, [school_class], span.start, reference_day(span, today))
    subtitle = f"{school_class.name}, {_period_title(period, now)}"
    tables_ = [
        report_tables.tally_table(
            _("Subjects"), _("Subject"), rows, compare=compare, teachers=True
        ),
        *report_tables.list_tables(analysis.student_lists(now), with_class=False),
        report_tables.class_attendance_table(_("Attendance"), attendance[0]),
    ]
    return respond(
        request,
        "reports/class_report.html",
        {
            "form": form,
            "school_class": school_class,
            "period": period,
            "figures": figures,
            "previous_figures": previous_figures,
            "previous": before,
            "class_term": own.term,
            "day": own.day,
        },
        title=_("Report of the class %(class)s") % {"class": school_class.name},
        subtitle=subtitle,
        tables_=tables_,
        filename=f"class-{school_class.pk}-{period.key}",
        landscape=True,
        sign=_("Class teacher"),
    )


@login_required
def class_summary(request: HttpRequest, class_id: int) -> HttpResponse:
    """Сводная ведомость: the class's students × subjects, their term (or year) marks — or the
    forecasts before they are entered — and each student's standing."""
    school = current_school(request)
    school_class = report_class_for(request.user, school, class_id)
    today, year, terms, form, period = _period_page(request, school)
    if school_class.year_id != year.pk:
        raise Http404
    now = period_results(school, period, [school_class], today, terms=terms)
    if not now.classes:
        return render(
            request,
            "reports/not_in_period.html",
            {"form": form, "school_class": school_class, "others": now.other_classes},
        )
    summary = analysis.class_summary(now, now.classes[0])
    title = _("Summary of the marks of the class %(class)s") % {"class": school_class.name}
    return respond(
        request,
        "reports/class_summary.html",
        {"form": form, "school_class": school_class, "period": period},
        title=title,
        subtitle=_period_title(period, now),
        tables_=[report_tables.summary_table("", summary)],
        filename=f"summary-{school_class.pk}-{period.key}",
        landscape=True,
        sign=_("Class teacher"),
    )


# --- attendance ------------------------------------------------------------------------------


def _range_page(request: HttpRequest, school):
    today = school_today(school)
    year, terms = _year(school, today)
    form = RangeForm(request.GET, default=attendance_range(year, terms, today))
    return year, form, form.chosen()


@login_required
def class_attendance_page(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's attendance over any period, per student (seed 002, regulation 2.2.1)."""
    school = current_school(request)
    school_class = report_class_for(request.user, school, class_id)
    form, (start, end) = _range_page(request, school)[1:]
    data = class_attendance(school, [school_class], start, end)[0]
    title = _("Attendance of the class %(class)s") % {"class": school_class.name}
    subtitle = f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"
    return respond(
        request,
        "reports/attendance.html",
        {"form": form, "school_class": school_class},
        title=title,
        subtitle=subtitle,
        tables_=[report_tables.class_attendance_table("", data)],
        filename=f"attendance-{school_class.pk}-{start}-{end}",
        landscape=True,
    )


@school_permission("reports.view_school")
def attendance(request: HttpRequest) -> HttpResponse:
    """The school's attendance over any period, per class (each a link to its students)."""
    school = current_school(request)
    year, form, (start, end) = _range_page(request, school)
    data = class_attendance(school, _classes(school, year), start, end)
    query = urlencode({"start": start.isoformat(), "end": end.isoformat()})

    def url(row) -> str:
        return reverse("reports:class_attendance", args=[row.school_class.pk]) + f"?{query}"

    title = _("Attendance of the school")
    subtitle = f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"
    return respond(
        request,
        "reports/attendance.html",
        {"form": form, "school_class": None},
        title=title,
        subtitle=subtitle,
        tables_=[report_tables.school_attendance_table("", data, url)],
        filename=f"attendance-{start}-{end}",
        landscape=True,
    )


# --- a teacher -------------------------------------------------------------------------------


@login_required
def teacher_report(request: HttpRequest, staff_id: int) -> HttpResponse:
    """A teacher's report on their courses of the year (seed 002 §2.2: "автоматизация создания
    отчетов учителей-предметников"): each course's results against the previous term."""
    school = current_school(request)
    teacher = report_teacher_for(request.user, school, staff_id)
    today, year, terms, form, period = _period_page(request, school)
    courses = list(
        Course.objects.filter(school=school, year=year, teachers=teacher)
        .select_related("school_class", "group")
        .order_by("subject__name", "pk")
    )
    class_ids = {class_id_of_course(c) for c in courses} - {None}
    classes = _classes(school, year, class_ids)
    now, before, earlier = with_previous(school, period, classes, today, terms)
    rows = analysis.by_course(now, [c.pk for c in courses], earlier)
    table = report_tables.tally_table("", _("Course"), rows, compare=earlier is not None)
    points = [(row.label, [row.tally.success_rate, row.tally.quality]) for row in rows]
    title = _("Report of %(teacher)s") % {"teacher": teacher.full_name}
    return respond(
        request,
        "reports/teacher_report.html",
        {
            "form": form,
            "teacher": teacher,
            "period": period,
            "previous": before,
            "other_classes": now.other_classes,
            "chart": percent_bars(title, [_("Success, %"), _("Quality, %")], points),
        },
        title=title,
        subtitle=_period_title(period, now),
        tables_=[table],
        filename=f"teacher-{teacher.pk}-{period.key}",
        landscape=True,
        sign=_("Teacher"),
    )
