"""The pages of the control of the journals (issue 12; seed 002 regulation 2.1.7, 2.2.3,
2.3.1–2.3.2, §4.3, §5.4; seeds 003 and 004): the control indicators by level with their
cases, the remarks and their workflow, the check's справка, the lagging students and the
preliminary report, a student's support log, the control thresholds.

Every page reaches its objects through the access entry points (``oversight.access``,
``core.access``); the writes are ``oversight.services``'. The tables are also XLSX and PDF
files (``reports.exports.respond``)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhurnal.accounts.context import context
from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school, in_school, require, school_permission
from zhurnal.reports.exports import respond
from zhurnal.reports.forms import RangeForm
from zhurnal.reports.tables import Cell, Table
from zhurnal.school.access import course_for
from zhurnal.school.calendar import latest_year, school_today
from zhurnal.school.models import SchoolClass, Staff
from zhurnal.timetable.models import Lesson

from . import cases, levels, queries, services
from .access import (
    check_report_for,
    indicator_scope,
    lagging_class_for,
    remark_course_for,
    remark_for,
    support_student_for,
)
from .forms import (
    CheckReportForm,
    PolicyForm,
    RemarkFilterForm,
    RemarkForm,
    StepForm,
    SupportForm,
    control_range,
)
from .indicators import BY_KEY, INDICATORS, STUDENTS, Scope, control
from .lagging import lagging
from .models import RemarkKind, RemarkStatus

PAGE_SIZE = 50
LEVEL_TITLES = {
    "class": gettext_lazy("by class"),
    "grade": gettext_lazy("by parallel"),
    "teacher": gettext_lazy("by teacher"),
    "course": gettext_lazy("by journal"),
}


def _year(school, today):
    year = latest_year(school, today)
    if year is None:
        raise Http404(_("The school has no academic year yet."))
    return year


def _scope(request: HttpRequest, school) -> tuple[Scope, RangeForm, dict]:
    today = school_today(school)
    year = _year(school, today)
    form = RangeForm(request.GET, default=control_range(year, today))
    start, end = form.chosen()
    narrowed = indicator_scope(
        request.user,
        school,
        class_id=_int(request.GET.get("class")),
        teacher_id=_int(request.GET.get("teacher")),
        course_id=_int(request.GET.get("course")),
    )
    grade = _int(request.GET.get("grade"))
    if grade is not None and not request.user.has_perm("oversight.view_school", school):
        raise PermissionDenied
    scope = Scope(
        school=school, year=year, start=start, end=end, today=today, grade=grade, **narrowed
    )
    return scope, form, narrowed


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        raise Http404 from None


def _scope_title(scope: Scope) -> str:
    parts = []
    if scope.course is not None:
        parts.append(f"{scope.course.subject.name}, {scope.course.audience_name}")
    if scope.school_class is not None:
        parts.append(scope.school_class.name)
    if scope.teacher is not None:
        parts.append(scope.teacher.full_name)
    if scope.grade is not None:
        parts.append(_("grade %(n)s") % {"n": scope.grade})
    place = ", ".join(parts) or _("the whole school")
    return f"{place}; {scope.start:%d.%m.%Y} – {scope.end:%d.%m.%Y}"


def _query(scope: Scope, extra: dict) -> str:
    params = {"start": scope.start.isoformat(), "end": scope.end.isoformat()}
    for name, obj in (
        ("class", scope.school_class),
        ("teacher", scope.teacher),
        ("course", scope.course),
    ):
        if obj is not None:
            params[name] = obj.pk
    if scope.grade is not None:
        params["grade"] = scope.grade
    params.update({k: v for k, v in extra.items() if v is not None})
    return urlencode(params)


# --- the indicators --------------------------------------------------------------------------


def indicator_table(data, by: str, scope: Scope) -> Table:
    """The indicators by level as a table: each figure a link to its cases."""
    headers = [_("Level"), _("Journals"), _("Lessons held")]
    headers += [f"{i.group}: {i.label}" for i in INDICATORS]
    table = Table("", headers)

    # Each indicator's cases page, and a row's query once: a school's table has ~800 figures.
    case_urls = {i.key: reverse("oversight:cases", args=[i.key]) for i in INDICATORS}

    def cells(row, params) -> list:
        out = []
        query = _query(scope, params) if params is not None else None
        for indicator in INDICATORS:
            n, share = levels.cell(row, indicator)
            text = f"{n} ({str(share).replace('.', ',')} %)" if share is not None and n else n
            url = f"{case_urls[indicator.key]}?{query}" if n and query is not None else ""
            out.append(Cell(text, url=url, css="bad" if n else ""))
        return out

    for row in levels.rows_by(data, by):
        table.add(row.label, row.courses, row.lessons, *cells(row, row.params))
    whole = levels.total(data)
    table.total(_("Total"), whole.courses, whole.lessons, *[c.text for c in cells(whole, None)])
    table.caption = _(
        "Lessons held from the first day to the last (or today). Students' figures: the students "
        "on the journals' lists on the last day, with the share of them. A figure opens its cases."
    )
    return table


@login_required
def indicators(request: HttpRequest) -> HttpResponse:
    """The control indicators for a period and a level (issue 12, item 1)."""
    school = current_school(request)
    require(request.user, "oversight.view_indicators", school)
    scope, form, narrowed = _scope(request, school)
    whole_school = request.user.has_perm("oversight.view_school", school)
    by = request.GET.get("by")
    if by not in levels.LEVELS:
        by = "class" if whole_school and not narrowed else "course"
    data = control(scope)
    return respond(
        request,
        "oversight/indicators.html",
        {
            "form": form,
            "by": by,
            "levels": [(key, LEVEL_TITLES[key]) for key in levels.LEVELS],
            "whole_school": whole_school,
            "query": _query(scope, {}),
            "can_write": request.user.has_perm("oversight.write_remark", school),
        },
        title=_("Control of the journals"),
        subtitle=_scope_title(scope),
        tables_=[indicator_table(data, by, scope)],
        filename=f"control-{scope.start}-{scope.end}",
        landscape=True,
    )


@login_required
def indicator_cases(request: HttpRequest, key: str) -> HttpResponse:
    """The cases behind one indicator in a scope."""
    if key not in BY_KEY:
        raise Http404
    school = current_school(request)
    require(request.user, "oversight.view_indicators", school)
    scope, form, _narrowed = _scope(request, school)
    data = control(scope)
    table = cases.cases(data, key)
    indicator = BY_KEY[key]
    return respond(
        request,
        "oversight/cases.html",
        {
            "form": form,
            "indicator": indicator,
            "back": reverse("oversight:indicators") + "?" + _query(scope, {}),
            "course": scope.course,
            "can_write": scope.course is not None
            and request.user.has_perm("oversight.write_remark", scope.course),
            "students_figure": indicator.unit == STUDENTS,
        },
        title=f"{indicator.group}: {indicator.label}",
        subtitle=_scope_title(scope),
        tables_=[table],
        filename=f"cases-{key}-{scope.start}-{scope.end}",
        landscape=True,
    )


# --- remarks ---------------------------------------------------------------------------------


@school_permission("oversight.list_remarks")
def remark_list(request: HttpRequest) -> HttpResponse:
    """The remarks: the administration's all (with filters), a teacher's own."""
    school = current_school(request)
    today = school_today(school)
    whole_school = request.user.has_perm("oversight.view_school", school)
    form = RemarkFilterForm(request.GET, teachers=queries.remark_teachers(school))
    data = form.cleaned_data if form.is_valid() else {}
    teacher = data.get("teacher") if whole_school else None
    if not whole_school:
        ctx = context(request.user, school.pk)
        if ctx.staff_id is None:
            raise PermissionDenied
        teacher = in_school(school, Staff, pk=ctx.staff_id)
    found = queries.remarks(
        school,
        teacher=teacher,
        status=data.get("status", ""),
        overdue_on=today if data.get("overdue") else None,
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/remarks.html",
        {"form": form, "page": page, "today": today, "whole_school": whole_school},
    )


@login_required
def remark_new(request: HttpRequest) -> HttpResponse:
    """A deputy writes a remark on a course's journal (from an indicator's cases, the journal,
    or here), about a lesson of it if given."""
    school = current_school(request)
    course = remark_course_for(request.user, school, _int(request.GET.get("course")) or 0)
    lesson = None
    lesson_id = _int(request.GET.get("lesson"))
    if lesson_id is not None:
        lesson = in_school(school, Lesson.objects.select_related("teacher"), pk=lesson_id)
        if lesson.course_id != course.pk:
            raise Http404
    today = school_today(school)
    teachers = list(course.teachers.all())
    if lesson is not None and lesson.teacher not in teachers:
        teachers.append(lesson.teacher)
    kind = request.GET.get("kind")
    initial = {
        "due": today + timedelta(days=services.policy_of(school).remark_days),
        "kind": kind if kind in RemarkKind.values else RemarkKind.OTHER,
    }
    if lesson is not None:
        initial["teacher"] = lesson.teacher_id  # who taught it, a substitute included
    elif len(teachers) == 1:
        initial["teacher"] = teachers[0].pk
    form = RemarkForm(
        request.POST or None,
        teachers=queries.staff_among(school, [t.pk for t in teachers]),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            remark = services.write_remark(
                course=course,
                teacher=data["teacher"],
                kind=data["kind"],
                text=data["text"],
                due=data["due"],
                lesson=lesson,
                actor=Actor.of(request),
                today=today,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The remark is written; the teacher is told."))
            return redirect("oversight:remark", remark_id=remark.pk)
    return render(
        request, "oversight/remark_new.html", {"form": form, "course": course, "lesson": lesson}
    )


@login_required
def remark_detail(request: HttpRequest, remark_id: int) -> HttpResponse:
    """A remark, its history and its next step: the teacher marks it fixed; the deputy accepts
    or reopens it (regulation 2.1.7)."""
    school = current_school(request)
    remark = remark_for(request.user, school, remark_id)
    today = school_today(school)
    can_fix = request.user.has_perm("oversight.fix_remark", remark)
    can_check = request.user.has_perm("oversight.check_remark", remark)
    form = StepForm(request.POST or None)
    if request.method == "POST":
        step = request.POST.get("step")
        allowed = {"fix": can_fix, "accept": can_check, "reopen": can_check}
        if not allowed.get(step):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            actor = Actor.of(request)
            try:
                if step == "fix":
                    services.fix_remark(remark=remark, comment=data["comment"], actor=actor)
                elif step == "accept":
                    services.accept_remark(remark=remark, comment=data["comment"], actor=actor)
                else:
                    if data["due"] is None:
                        raise ValidationError(_("Give the new date to fix it by."))
                    services.reopen_remark(
                        remark=remark,
                        comment=data["comment"],
                        due=data["due"],
                        actor=actor,
                        today=today,
                    )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("oversight:remark", remark_id=remark.pk)
    return render(
        request,
        "oversight/remark.html",
        {
            "remark": remark,
            "steps": queries.steps_of(remark),
            "form": form,
            "can_fix": can_fix and remark.status == RemarkStatus.OPEN,
            "can_check": can_check and remark.status != RemarkStatus.ACCEPTED,
            "overdue": remark.status == RemarkStatus.OPEN and remark.due < today,
            "history": queries.remarks(school, course=remark.course, status="all").exclude(
                pk=remark.pk
            )[:20],
        },
    )


@login_required
def journal_remarks(request: HttpRequest, course_id: int) -> HttpResponse:
    """The remarks of a journal not yet accepted, for its page (loaded with htmx)."""
    school = current_school(request)
    course = course_for(request.user, school, course_id, "oversight.view_course")
    return render(
        request,
        "oversight/journal_remarks.html",
        {"remarks": queries.remarks(school, course=course), "today": school_today(school)},
    )


# --- the справка -----------------------------------------------------------------------------


@school_permission("oversight.check_report")
def check_report(request: HttpRequest) -> HttpResponse:
    """The справка of a check of the journals for a period (seed 002 §5.4; regulation 2.3.1):
    the indicators by teacher, the remarks of the period, the deputy's conclusions — saved for
    the archive, printed for the director's signature."""
    school = current_school(request)
    scope, range_form, _narrowed = _scope(request, school)
    saved = None
    report_id = _int(request.GET.get("report"))
    if report_id is not None:
        saved = check_report_for(request.user, school, report_id)
        scope = Scope(
            school=school, year=scope.year, start=saved.start, end=saved.end, today=scope.today
        )
    title_default = _("Report on the check of the electronic journals")
    form = CheckReportForm(
        request.POST or None,
        initial={
            "title": saved.title
            if saved
            else f"{title_default} ({scope.start:%d.%m.%Y} – {scope.end:%d.%m.%Y})",
            "conclusions": saved.conclusions if saved else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = services.save_check_report(
                school=school,
                start=scope.start,
                end=scope.end,
                title=form.cleaned_data["title"],
                conclusions=form.cleaned_data["conclusions"],
                actor=Actor.of(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The report of the check is saved."))
            return redirect(reverse("oversight:check_report") + f"?report={report.pk}")
    data = control(scope)
    remark_table = _remarks_written(school, scope)
    tables = [indicator_table(data, "teacher", scope), remark_table]
    tables[0].title = _("Indicators by teacher")
    return respond(
        request,
        "oversight/check_report.html",
        {
            "form": form,
            "range_form": range_form,
            "saved": saved,
            "reports": queries.check_reports(school)[:20],
            "journals": len(data.courses),
            "lessons": sum(c.lessons for c in data.courses.values()),
            "conclusions": saved.conclusions if saved else "",
            "report_title": saved.title if saved else title_default,
        },
        title=saved.title if saved else title_default,
        subtitle=f"{scope.start:%d.%m.%Y} – {scope.end:%d.%m.%Y}",
        tables_=tables,
        filename=f"spravka-{scope.start}-{scope.end}",
        landscape=True,
        sign=_("Deputy director"),
        print_template="oversight/check_report_print.html",
    )


def _remarks_written(school, scope: Scope) -> Table:
    """The remarks written in the period of a check, with their status (overdue ones marked)."""
    table = Table(
        _("Remarks written in the period"),
        [_("Journal"), _("Teacher"), _("About"), _("Fix by"), _("Status")],
    )
    written = queries.remarks(school, status="all").filter(
        created_at__date__range=(scope.start, scope.end)
    )
    for remark in written:
        overdue = remark.status == RemarkStatus.OPEN and remark.due < scope.today
        table.add(
            f"{remark.course.subject.name}, {remark.course.audience_name}",
            remark.teacher.short_name,
            remark.get_kind_display(),
            remark.due,
            Cell(remark.get_status_display(), css="bad" if overdue else ""),
        )
    return table


# --- lagging students ------------------------------------------------------------------------


@login_required
def lagging_page(request: HttpRequest) -> HttpResponse:
    """The lagging students of the school or of a class (seeds 003, 004), or only those at
    risk: the preliminary report two weeks before the term ends (regulation 2.2.3)."""
    school = current_school(request)
    today = school_today(school)
    year = _year(school, today)
    class_id = _int(request.GET.get("class"))
    if class_id is not None:
        classes = [lagging_class_for(request.user, school, class_id)]
    else:
        require(request.user, "oversight.view_lagging", school)
        classes = sorted(
            SchoolClass.objects.filter(school=school, year=year).select_related("grade_level"),
            key=lambda c: (c.grade_level.number, c.letter),
        )
    at_risk = request.GET.get("at_risk") == "1"
    found = lagging(school, year, classes, today, at_risk_only=at_risk)
    title = _("Preliminary report: students at risk") if at_risk else _("Lagging students")
    table = Table(
        "",
        [_("Student"), _("Class"), _("Term"), _("Why"), _("Work done"), _("Latest")],
    )
    for entry in found:
        latest = entry.last_support
        table.add(
            Cell(
                entry.student.full_name,
                url=reverse("oversight:support", args=[entry.student.pk]),
            ),
            entry.school_class.name,
            entry.term.title,
            "; ".join(r.text for r in entry.reasons),
            entry.support_count,
            f"{latest.day:%d.%m.%Y}: {latest.get_kind_display()}" if latest else None,
        )
    terms = sorted({e.term for e in found}, key=lambda t: t.start)
    ends = ", ".join(f"{t.title} — {t.end:%d.%m.%Y}" for t in terms)
    subtitle = ", ".join(c.name for c in classes) if class_id else _("the whole school")
    if ends:
        subtitle += f"; {ends}"
    return respond(
        request,
        "oversight/lagging.html",
        {"at_risk": at_risk, "class_id": class_id, "count": len(found)},
        title=title,
        subtitle=subtitle,
        tables_=[table],
        filename=("preliminary" if at_risk else "lagging") + f"-{today}",
        landscape=True,
        sign=_("Class teacher") if class_id else _("Deputy director"),
    )


@login_required
def support(request: HttpRequest, student_id: int) -> HttpResponse:
    """A student's support log — the work done with them — and a new record of it."""
    school = current_school(request)
    student = support_student_for(request.user, school, student_id, "oversight.view_support")
    can_record = request.user.has_perm("oversight.record_support", student)
    today = school_today(school)
    form = SupportForm(
        request.POST or None,
        courses=queries.student_courses(student, today),
        initial={"day": today},
    )
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.record_support(
                    student=student,
                    course=data["course"],
                    kind=data["kind"],
                    day=data["day"],
                    text=data["text"],
                    actor=Actor.of(request),
                    today=today,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Recorded; the family is told."))
                return redirect("oversight:support", student_id=student.pk)
    return render(
        request,
        "oversight/support.html",
        {
            "student": student,
            "log": queries.support_log(student),
            "form": form if can_record else None,
        },
    )


# --- settings --------------------------------------------------------------------------------


@school_permission("oversight.manage_settings")
def settings_page(request: HttpRequest) -> HttpResponse:
    school = current_school(request)
    form = PolicyForm(request.POST or None, instance=services.policy_of(school))
    if request.method == "POST" and form.is_valid():
        services.save_policy(school=school, data=form.cleaned_data, actor=Actor.of(request))
        messages.success(request, _("Saved."))
        return redirect("oversight:settings")
    return render(request, "oversight/settings.html", {"form": form})
