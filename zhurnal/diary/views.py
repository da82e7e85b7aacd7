"""The electronic diary's pages (issue 5): a student's week, marks, attendance and homework;
the entry page (a parent's children, a student's own diary); the class teacher's list of
acknowledgements of term marks and the class's fortnightly progress report (preview, PDF for
printing, sending to the families by e-mail, and when the families were last informed).

Rules (``zhurnal.permissions``): ``diary.view`` on the student — their guardians, the student
from the school's age, the class teacher of their class and the administration. A parent or a
student who asks for another family's child gets a 404 (its existence is not told); staff
without the right get a 403. Everything is in the current school (the school switcher).
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhurnal.accounts.context import context
from zhurnal.accounts.memberships import memberships_of
from zhurnal.accounts.models import Role
from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school, school_permission
from zhurnal.core.bounds import parse_day
from zhurnal.core.files import stored_file_response
from zhurnal.notifications.services import diary_today_url
from zhurnal.school.access import class_for
from zhurnal.school.calendar import class_terms, pick_term, school_today
from zhurnal.school.models import SchoolClass, Student, Term
from zhurnal.school.rosters import with_current_class
from zhurnal.school.sections import STUDENT_DIARY, sections_for
from zhurnal.timetable import ical
from zhurnal.timetable.feed_pages import apply_feed_action, feed_address

from . import informing, queries, report, services
from .access import diary_student_for, homework_attachment_for
from .forms import report_period
from .models import IssueKind, TermAcknowledgement
from .rendering import lessons_html, subjects_html


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def diary_student(request: HttpRequest, student_id: int) -> Student:
    """The student of the current school whose diary the user may read (``diary.access``)."""
    return diary_student_for(request.user, current_school(request), student_id, with_siblings=True)


def _tabs(request: HttpRequest, student: Student) -> list:
    """The tabs the apps above add to a student's diary (``school.sections``: the school's
    work with the student, oversight's)."""
    today = school_today(request.school)
    sections = sections_for(STUDENT_DIARY, request.user, student, today)
    return [action for section in sections for action in section.actions]


def _page(
    request: HttpRequest, student: Student, template: str, tab: str, status: int = 200, **extra
):
    return render(
        request,
        template,
        {
            "student": student,
            "tab": tab,
            "children": student.siblings,
            "more_tabs": _tabs(request, student),
            **extra,
        },
        status=status,
    )


def _week_start(request: HttpRequest, today: date) -> tuple[date, bool]:
    """The Monday of ``?week=`` and whether it was understood. A week that is not a date of
    the years a journal keeps (``core.bounds``, issue 16) is told to the user, who sees this
    week instead (answered 400)."""
    raw = request.GET.get("week", "")
    if raw:
        try:
            return queries.monday_of(parse_day(raw)), True
        except ValueError as error:
            messages.error(request, str(error))
    # Sunday opens the coming week.
    return queries.monday_of(today + timedelta(days=1) if today.weekday() == 6 else today), not raw


@login_required
def week(request: HttpRequest, student_id: int) -> HttpResponse:
    student = diary_student(request, student_id)
    today = school_today(request.school)
    monday, understood = _week_start(request, today)
    diary_week = queries.week(student, monday, today=today)
    return _page(
        request,
        student,
        "diary/week.html",
        "week",
        week=diary_week,
        days=[(day, lessons_html(day.lessons, student.pk)) for day in diary_week.days],
        today=today,
        this_week=queries.monday_of(today),
        week_end=monday + timedelta(days=queries.DAYS_SHOWN - 1),
        status=200 if understood else 400,
    )


def _terms(request: HttpRequest, student: Student, today: date):
    """The terms of the student's class this year, or of a past year (``?year=``: last year's
    marks after the promotion, issue 13), the term chosen, and the student's classes by year."""
    school_class, classes = services.class_of_year(student, today, _int(request.GET.get("year")))
    terms = class_terms(school_class)
    return terms, pick_term(terms, _int(request.GET.get("term")), today), classes


@login_required
def marks(request: HttpRequest, student_id: int) -> HttpResponse:
    student = diary_student(request, student_id)
    today = school_today(request.school)
    terms, term, classes = _terms(request, student, today)
    may_ack = term is not None and request.user.has_perm("diary.acknowledge", student)
    if request.method == "POST":
        if not may_ack:
            raise PermissionDenied
        try:
            services.acknowledge_term(
                student=student, term=term, actor=Actor.of(request), today=today
            )
            messages.success(request, _("Thank you: the term marks are acknowledged."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(f"{reverse('diary:marks', args=[student.pk])}?term={term.pk}")
    subjects = queries.term_marks(student, term) if term else []
    acknowledgement = None
    can_acknowledge = False
    if may_ack:
        acknowledgement = TermAcknowledgement.objects.filter(
            school=request.school, student=student, term=term, user=request.user
        ).first()
        entered = any(s.term_mark for s in subjects)
        can_acknowledge = services.may_acknowledge(term, today, marks_entered=entered)
    return _page(
        request,
        student,
        "diary/marks.html",
        "marks",
        terms=terms,
        term=term,
        year_classes=classes,
        subjects_html=subjects_html(subjects),
        may_acknowledge=may_ack,
        can_acknowledge=can_acknowledge,
        acknowledgement=acknowledgement,
    )


@login_required
@require_POST
def acknowledge(request: HttpRequest, student_id: int, term_id: int) -> HttpResponse:
    """«Ознакомлен» in one tap from the home page (issue 15): the same service, rule and audit
    as the marks page's button (``services.acknowledge_term``; a second tap changes nothing),
    for a term of the child's class this year; then back to the home page. ``diary.acknowledge``
    on the student: another family's child is not found, staff are refused."""
    student = diary_student_for(
        request.user, current_school(request), student_id, "diary.acknowledge"
    )
    today = school_today(request.school)
    term = next(
        (t for t in class_terms(services.student_class(student, today)) if t.pk == term_id),
        None,
    )
    if term is None:
        raise Http404
    try:
        services.acknowledge_term(student=student, term=term, actor=Actor.of(request), today=today)
        messages.success(
            request,
            _("Thank you: the term marks are acknowledged (%(student)s, %(term)s).")
            % {"student": student.first_name, "term": term.title},
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(f"{reverse('home')}#child-{student.pk}")


@login_required
def attendance(request: HttpRequest, student_id: int) -> HttpResponse:
    student = diary_student(request, student_id)
    today = school_today(request.school)
    terms, term, classes = _terms(request, student, today)
    summary = queries.attendance_summary(student, term, until=today) if term else None
    return _page(
        request,
        student,
        "diary/attendance.html",
        "attendance",
        terms=terms,
        term=term,
        year_classes=classes,
        summary=summary,
    )


@login_required
def homework(request: HttpRequest, student_id: int) -> HttpResponse:
    student = diary_student(request, student_id)
    today = school_today(request.school)
    days = queries.homework_ahead(student, today, days=7)
    return _page(request, student, "diary/homework.html", "homework", days=days, today=today)


@school_permission("diary.index")
def index(request: HttpRequest) -> HttpResponse:
    """A student goes to their own diary; a parent sees their children — in this school, and
    in their other schools (opened through the school switcher)."""
    school = request.school
    ctx = context(request.user, school.pk)
    if not ctx.child_ids and ctx.own_student_ids:
        return redirect(diary_today_url(min(ctx.own_student_ids)))
    today = school_today(school)
    children = list(
        with_current_class(
            Student.objects.filter(school=school, pk__in=ctx.child_ids), today, school.pk
        ).order_by("first_name", "last_name", "pk")
    )
    classes = (
        {
            c.pk: c
            for c in SchoolClass.objects.filter(
                school=school,
                pk__in={s.current_class_id for s in children if s.current_class_id},
            ).select_related("grade_level")
        }
        if children
        else {}
    )
    for child in children:
        child.current_class = classes.get(child.current_class_id)
    elsewhere = []
    for school_id, entry in memberships_of(request.user).items():
        if school_id == school.pk or Role.PARENT not in entry.roles:
            continue
        other = context(request.user, school_id)
        if other and other.child_ids:
            children_there = Student.objects.filter(school_id=school_id, pk__in=other.child_ids)
            for child in children_there.order_by("first_name"):
                elsewhere.append((entry.school, child))
    return render(
        request,
        "diary/index.html",
        {"children": children, "elsewhere": elsewhere, "own_ids": ctx.own_student_ids},
    )


@login_required
def acknowledgements(request: HttpRequest, class_id: int) -> HttpResponse:
    """Who of a class has and has not acknowledged the term marks (the class teacher)."""
    school_class = class_for(
        request.user, current_school(request), class_id, "diary.view_acknowledgements"
    )
    today = school_today(request.school)
    terms = class_terms(school_class)
    term = pick_term(terms, _int(request.GET.get("term")), today)
    rows = services.class_acknowledgements(school_class, term, today) if term else []
    return render(
        request,
        "diary/acknowledgements.html",
        {
            "school_class": school_class,
            "terms": terms,
            "term": term,
            "rows": rows,
            "done": sum(1 for r in rows if r.acknowledged),
        },
    )


@login_required
def attachment(request: HttpRequest, student_id: int, attachment_id: int) -> FileResponse:
    """A homework attachment of one of the student's lessons, for whoever reads the diary
    (files are never served from a public address)."""
    student = diary_student(request, student_id)
    item = homework_attachment_for(student, attachment_id)
    return stored_file_response(item.file, item.name)


def _report_class(request: HttpRequest, class_id: int) -> SchoolClass:
    return class_for(request.user, current_school(request), class_id, "diary.progress_report")


def _report_period(
    request: HttpRequest, school_class: SchoolClass
) -> tuple[report.ReportPeriod, list[Term], list[str]]:
    """The period asked in the query string (``forms.report_period``: the two weeks ending on
    ``?end=``, the class's term ``?term=``, or ``?start=&end=``), the class's terms, and why
    the asked period was refused (then the two weeks ending today)."""
    terms = class_terms(school_class)
    period, errors = report_period(request.GET, terms=terms, today=school_today(request.school))
    return period, terms, errors


def _report_url(class_id: int, period: report.ReportPeriod | None = None) -> str:
    url = reverse("diary:progress_report", args=[class_id])
    return f"{url}?{period.query}" if period is not None else url


def _refused(request: HttpRequest, class_id: int, errors: list[str]) -> HttpResponse:
    """A bad period for the PDF or the sending: nothing is made or sent; back to the page,
    which says why (issue 12: never a guess at what was meant)."""
    for error in errors:
        messages.error(request, error)
    return redirect(_report_url(class_id))


@login_required
def progress_report(request: HttpRequest, class_id: int) -> HttpResponse:
    """The progress report of a class (seed 002, regulation 2.2.2; issue 12: for any chosen
    period — the two weeks ending on a day, a term, or days chosen): a preview per student,
    the PDF of the whole class for printing, and sending it to the families."""
    school_class = _report_class(request, class_id)
    period, terms, errors = _report_period(request, school_class)
    school = request.school
    today = school_today(school)
    if request.method == "POST":
        if errors:
            return _refused(request, class_id, errors)
        services.send_progress_report(
            school_class=school_class,
            start=period.start,
            end=period.end,
            term=period.term,
            informs=request.user.has_perm("diary.inform_families", school_class),
            actor=Actor.of(request),
            today=today,
        )
        messages.success(
            request,
            _("The reports are being sent to the families by e-mail in the background."),
        )
        return redirect(_report_url(class_id, period))
    rows = report.progress_data(school_class, period.start, period.end, term=period.term)
    no_email = report.without_email([r.student for r in rows])
    return render(
        request,
        "diary/progress_report.html",
        {
            "school_class": school_class,
            "period": period,
            "period_errors": errors,
            "terms": terms,
            "start": period.start,
            "end": period.end,
            "previous_end": period.start - timedelta(days=1),
            "next_end": period.end + timedelta(days=report.PERIOD_DAYS),
            "rows": rows,
            "reasons": report.REASONS,
            "no_email": no_email,
            "informing": informing.informing_status(school_class, today, ZoneInfo(school.timezone)),
            "informs": informing.is_current_period(period.start, period.end, today),
            "leads_class": school_class.pk in context(request.user, school.pk).led_class_ids,
        },
    )


@login_required
def progress_report_pdf(request: HttpRequest, class_id: int) -> HttpResponse:
    """The report of every student of the class in one PDF, one page each, for printing, of
    the chosen period (issue 12; a bad period is refused, back to the page). A download by the
    class's class teacher — who informs the families (seed 002, regulation 2.2.2) — of a
    period covering the last two weeks (``informing.is_current_period``) is recorded as their
    informing by a printed copy, as "printed", never as "sent"; the administration's download
    (to check the report), or an older period's, is not recorded."""
    school_class = _report_class(request, class_id)
    period, _terms, errors = _report_period(request, school_class)
    if errors:
        return _refused(request, class_id, errors)
    start, end = period.start, period.end
    rows = report.progress_data(school_class, start, end, term=period.term)
    pdf = report.render_pdf(rows, school_class, start, end, term=period.term)
    # Recorded once the PDF is made (a failed rendering informs nobody); one INSERT, outside a
    # transaction held open during the rendering.
    services.record_informing(
        school_class=school_class,
        start=start,
        end=end,
        kind=IssueKind.PRINTED,
        informs=request.user.has_perm("diary.inform_families", school_class),
        actor=Actor.of(request),
        today=school_today(school_class.school),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    # Named as the e-mailed copies are (``tasks.report_filename``): a fortnight by its last
    # day, another period by both.
    days = end.isoformat() if period.days == report.PERIOD_DAYS else f"{start}_{end}"
    filename = f"progress-{school_class.pk}-{days}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def calendar(request: HttpRequest, student_id: int) -> HttpResponse:
    """A student's calendar feed (.ics) of lessons and homework: made, renewed or stopped by
    the student's guardians and the student from the school's age (``diary.manage_feed``). Staff
    who read the diary get a 403: the address is the family's."""
    school = current_school(request)
    student = diary_student_for(
        request.user, school, student_id, "diary.manage_feed", with_siblings=True
    )
    if request.method == "POST":
        apply_feed_action(request, school, student=student)
        return redirect("diary:calendar", student_id=student.pk)
    feed = ical.active_feeds(school, student=student).first()
    start, end = ical.window(school)
    return render(
        request,
        "diary/calendar.html",
        {
            "student": student,
            "tab": "calendar",
            "children": student.siblings,
            "more_tabs": _tabs(request, student),
            "address": feed_address(request, feed),
            "window_start": start,
            "window_end": end,
        },
    )
