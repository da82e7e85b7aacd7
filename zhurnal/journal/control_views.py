"""Journal control and settings pages (issue 4): the class teacher's absence register, the
deputy's unlocks, the audit of journal changes, debts («•») and late entries, and the school's
journal settings (policy, work types, grading scale rules).

Every page checks its ``journal.*`` rule (``zhurnal.permissions``); objects are reached within
the current school only (a forged id is a 404). Writes go through ``journal.services`` (absences,
unlocks) or, for settings, are audited here with ``audit.services.record``.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhurnal.accounts.access import current_school, school_permission
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.audit.services import record
from zhurnal.school.models import Enrollment, SchoolClass, Staff
from zhurnal.school.queries import class_roster, current_year, school_today
from zhurnal.timetable.models import Lesson, LessonStatus

from . import services
from .control_forms import (
    AbsenceForm,
    ChangesFilterForm,
    DebtsFilterForm,
    PolicyForm,
    ScaleRuleForm,
    UnlockForm,
    WorkTypeForm,
    school_courses,
)
from .defaults import ensure_work_types
from .models import (
    Absence,
    Attendance,
    Homework,
    Mark,
    PeriodMark,
    ScaleRule,
    Unlock,
    WorkType,
)
from .policy import policy_of
from .scales import Special

PAGE_SIZE = 50

# The audit actions of journal entries shown on the changes page: marks, attendance, period
# marks, the absence register, unlocks, and the lessons' own record (topic, homework,
# cancellations and substitutions: ``LESSON_CHANGED``/``SUBSTITUTION``).
JOURNAL_ACTIONS = (
    AuditAction.MARK_SET,
    AuditAction.MARK_DELETED,
    AuditAction.ATTENDANCE_SET,
    AuditAction.PERIOD_MARK_SET,
    AuditAction.ABSENCE_RECORDED,
    AuditAction.JOURNAL_UNLOCKED,
    AuditAction.LESSON_CHANGED,
    AuditAction.SUBSTITUTION,
)
# What else is written into a lesson's record (audited as ``CREATED``): notes to students,
# homework files, mark columns, extra lessons.
JOURNAL_CREATED_TYPES = (
    "journal.studentnote",
    "journal.homeworkattachment",
    "journal.gradecolumn",
    "timetable.lesson",
)

_COURSE_RELATED = (
    "course__subject",
    "course__school_class__grade_level",
    "course__group__school_class__grade_level",
)


def _has(request: HttpRequest, perm: str, obj) -> bool:
    return request.user.has_perm(perm, obj)


def _nav(request: HttpRequest, school) -> dict[str, bool]:
    """Which control pages the user may open (the links between them)."""
    return {
        "nav_changes": _has(request, "journal.view_changes", school),
        "nav_settings": _has(request, "journal.manage_settings", school),
    }


# --- the absence register --------------------------------------------------------------------


@login_required
def absences(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's absence register: the class teacher records absences (``journal.keep_absences``);
    the administration reads it (``journal.view_changes``)."""
    school = current_school(request)
    school_class = get_object_or_404(
        SchoolClass.objects.filter(school=school).select_related("grade_level"), pk=class_id
    )
    can_keep = _has(request, "journal.keep_absences", school_class)
    if not (can_keep or _has(request, "journal.view_changes", school)):
        raise PermissionDenied
    if request.method == "POST" and not can_keep:
        raise PermissionDenied
    today = school_today(school)
    form = AbsenceForm(
        request.POST or None,
        students=class_roster(school_class, today),
        initial={"start": today, "end": today},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            absence = services.record_absence(
                student=data["student"],
                start=data["start"],
                end=data["end"],
                reason=data["reason"],
                document=data["document"],
                actor=Actor.of(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The absence of %(student)s is recorded.")
                % {"student": absence.student.short_name},
            )
            return redirect("journal_control:absences", class_id=school_class.pk)
    in_class = Enrollment.objects.filter(school_class=school_class, student=OuterRef("student"))
    rows = (
        Absence.objects.filter(school=school)
        .filter(Exists(in_class))
        .select_related("student", "entered_by")
        .order_by("-start", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "journal_control/absences.html",
        {"school_class": school_class, "form": form, "page": page, "can_keep": can_keep},
    )


# --- unlocks ---------------------------------------------------------------------------------


@login_required
def unlocks(request: HttpRequest) -> HttpResponse:
    """The deputy opens a locked course for a date range (``journal.unlock``); the
    administration sees the unlocks granted (``journal.view_changes``)."""
    school = current_school(request)
    can_grant = _has(request, "journal.unlock", school)
    if not (can_grant or _has(request, "journal.view_changes", school)):
        raise PermissionDenied
    if request.method == "POST" and not can_grant:
        raise PermissionDenied
    today = school_today(school)
    year = current_year(school, today)
    form = UnlockForm(
        request.POST or None,
        courses=school_courses(school, year),
        initial={"start": today - timedelta(days=7), "end": today, "days": 3},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.unlock(
                course=data["course"],
                start=data["start"],
                end=data["end"],
                days=data["days"],
                reason=data["reason"],
                actor=Actor.of(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The course is unlocked."))
            return redirect("journal_control:unlocks")
    rows = (
        Unlock.objects.filter(school=school)
        .select_related(*_COURSE_RELATED, "granted_by")
        .order_by("-granted_at", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "journal_control/unlocks.html",
        {
            "form": form,
            "page": page,
            "can_grant": can_grant,
            "now": timezone.now(),
            "locks": policy_of(school).lock_after_days,
            **_nav(request, school),
        },
    )


# --- changes ---------------------------------------------------------------------------------


def _short(text: str, length: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _state_text(state: dict | None) -> str:
    """An entry's value as recorded in the audit: a mark, an attendance code, an absence, an
    unlock, a lesson's topic (and cancellation), a homework or a note's text, a file's name."""
    if not state:
        return ""
    if "value" in state:
        return str(state["value"])
    if "code" in state:
        return str(state["code"])
    if "reason" in state:
        return f"{state['reason']} {state.get('start', '')}–{state.get('end', '')}"
    if "until" in state:
        return f"{state.get('start', '')}–{state.get('end', '')}"
    if "topic" in state:
        topic = _short(state["topic"] or "")
        if state.get("status") == "cancelled":
            return f"{topic} ({_('cancelled')})".strip()
        return topic
    if "text" in state:
        return _short(state["text"])
    if "name" in state:
        return str(state["name"])
    if "work_type" in state:  # a new mark column
        return f"{state['work_type']} ({state.get('weight', '')})"
    return ""


# The lesson date of an audited entry: object type → the lookup from the entry to the date.
_LESSON_DATE_OF = {
    "journal.mark": (Mark, "column__lesson__date"),
    "journal.attendance": (Attendance, "lesson__date"),
    "journal.homework": (Homework, "lesson__date"),
}


def _lesson_dates(events: list[AuditEvent]) -> dict[tuple[str, str], object]:
    """The lesson date of each entry of the page: from the audited state where it is kept,
    else at most one query per kind of entry whatever the page (entries deleted since have
    none)."""
    ids: dict[str, set[int]] = {object_type: set() for object_type in _LESSON_DATE_OF}
    dates: dict[tuple[str, str], object] = {}
    for event in events:
        state = event.after or event.before or {}
        # Marks and attendance keep their lesson's date in the audit (older rows do not);
        # a lesson's own events carry its date.
        known = state.get("lesson_date") or (
            state.get("date") if event.object_type == "timetable.lesson" else None
        )
        if known:
            dates[(event.object_type, event.object_id)] = date.fromisoformat(known)
        elif event.object_type in ids and event.object_id.isdigit():
            ids[event.object_type].add(int(event.object_id))
    for object_type, pks in ids.items():
        if pks:
            model, lookup = _LESSON_DATE_OF[object_type]
            for pk, day in model.objects.filter(pk__in=pks).values_list("pk", lookup):
                dates[(object_type, str(pk))] = day
    return dates


def _substitution_teachers(school, events: list[AuditEvent]) -> dict[int, str]:
    """The names of the teachers of the page's substitutions (who taught the lesson before and
    after): one query, none without a substitution on the page."""
    ids = {
        state.get("teacher")
        for event in events
        if event.action == AuditAction.SUBSTITUTION
        for state in (event.before or {}, event.after or {})
    } - {None}
    if not ids:
        return {}
    return {
        staff.pk: staff.short_name
        for staff in Staff.objects.filter(school=school, pk__in=ids).only(
            "id", "last_name", "first_name", "middle_name"
        )
    }


@school_permission("journal.view_changes")
def changes(request: HttpRequest) -> HttpResponse:
    """The audit of journal entries, filtered by course, student, teacher (who made the change)
    and date; newest first, paginated, a fixed number of queries per page."""
    school = current_school(request)
    form = ChangesFilterForm(request.GET or None, school=school)
    events = AuditEvent.objects.filter(
        Q(action__in=JOURNAL_ACTIONS)
        | Q(action=AuditAction.CREATED, object_type__in=JOURNAL_CREATED_TYPES),
        school=school,
    )
    if form.is_bound and not form.is_valid():
        if form.forged_id():
            raise Http404
        events = events.none()
    elif form.is_bound:
        data = form.cleaned_data
        if data["course"]:
            events = events.filter(course=data["course"])
        if data["student"]:
            events = events.filter(student=data["student"])
        if data["teacher"]:
            events = events.filter(actor_id=data["teacher"].user_id)
        if data["start"]:
            events = events.filter(at__date__gte=data["start"])
        if data["end"]:
            events = events.filter(at__date__lte=data["end"])
    events = events.select_related("actor", "student", *_COURSE_RELATED).order_by("-at", "-id")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page_events = list(page.object_list)
    dates = _lesson_dates(page_events)
    teachers = _substitution_teachers(school, page_events)

    def shown(event, state):
        if event.action == AuditAction.SUBSTITUTION and state:
            return teachers.get(state.get("teacher"), "")
        return _state_text(state)

    rows = [
        {
            "event": event,
            "lesson_date": dates.get((event.object_type, event.object_id)),
            "before": shown(event, event.before),
            "after": shown(event, event.after),
        }
        for event in page_events
    ]
    return render(
        request,
        "journal_control/changes.html",
        {"form": form, "page": page, "rows": rows, **_nav(request, school)},
    )


# --- debts and late entries ------------------------------------------------------------------


@school_permission("journal.view_changes")
def debts(request: HttpRequest) -> HttpResponse:
    """Work owed («•» marks) across the school or a class, and late entries per teacher."""
    school = current_school(request)
    today = school_today(school)
    year = current_year(school, today)
    form = DebtsFilterForm(request.GET or None, school=school, year=year)
    school_class = start = end = None
    if form.is_bound:
        if not form.is_valid():
            if "school_class" in form.errors:
                raise Http404
        else:
            school_class = form.cleaned_data["school_class"]
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    if start is None:
        start = year.start if year else today - timedelta(days=30)
    if end is None:
        end = today

    owed = Mark.objects.filter(
        school=school, value=Special.OWED, column__lesson__date__range=(start, end)
    )
    if school_class is not None:
        in_class = Enrollment.objects.filter(school_class=school_class, student=OuterRef("student"))
        owed = owed.filter(Exists(in_class))
    owed = owed.select_related(
        "student",
        "column__work_type",
        "column__lesson__teacher",
        "column__lesson__course__subject",
        "column__lesson__course__school_class__grade_level",
        "column__lesson__course__group__school_class__grade_level",
    ).order_by("student__last_name", "student__first_name", "column__lesson__date", "pk")
    page = Paginator(owed, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "journal_control/debts.html",
        {
            "form": form,
            "page": page,
            "late": late_entries(school, start, end, school_class),
            "late_kinds": LATE_KINDS.values(),
            "start": start,
            "end": end,
            "school_class": school_class,
            "owed": Special.OWED,
            **_nav(request, school),
        },
    )


# The kinds of entry whose deadline a teacher can miss (seed 002, regulation 2), with their
# column titles, in the order of the late-entries table.
LATE_KINDS = {
    "marks": gettext_lazy("Marks"),
    "attendance": gettext_lazy("Attendance"),
    "topics": gettext_lazy("Topics"),
    "homework": gettext_lazy("Homework"),
    "period_marks": gettext_lazy("Period marks"),
}


def _late_counts(school, start, end, school_class) -> dict[str, object]:
    """kind → (user id, count) rows of the late entries of lessons from ``start`` to ``end``
    (period marks: entered in those days, school time), of a class if given — a student's
    entries by the student's enrollment in it, a lesson's own (topic, homework) by its course's
    class, whole or a subgroup. Cancelled lessons count no more. One query per kind."""
    in_class = Enrollment.objects.filter(school_class=school_class, student=OuterRef("student"))

    def of_students(queryset):
        return queryset if school_class is None else queryset.filter(Exists(in_class))

    def of_lessons(queryset, lesson=""):
        if school_class is None:
            return queryset
        return queryset.filter(
            Q(**{f"{lesson}course__school_class": school_class})
            | Q(**{f"{lesson}course__group__school_class": school_class})
        )

    def per_user(queryset, user="entered_by"):
        return queryset.values_list(user).annotate(n=Count("pk")).order_by()

    zone = ZoneInfo(school.timezone)
    entered_from = datetime.combine(start, time.min, tzinfo=zone)
    entered_until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    held = ~Q(status=LessonStatus.CANCELLED)
    return {
        "marks": per_user(
            of_students(
                Mark.objects.filter(
                    school=school, late=True, column__lesson__date__range=(start, end)
                )
            )
        ),
        "attendance": per_user(
            of_students(
                Attendance.objects.filter(
                    school=school, late=True, lesson__date__range=(start, end)
                )
            )
        ),
        # A topic is the lesson's teacher's (the one who taught it, the substitute included).
        "topics": per_user(
            of_lessons(
                Lesson.objects.filter(
                    held, school=school, topic_late=True, date__range=(start, end)
                )
            ),
            user="teacher__user_id",
        ),
        "homework": per_user(
            of_lessons(
                Homework.objects.filter(
                    school=school, late=True, lesson__date__range=(start, end)
                ).exclude(lesson__status=LessonStatus.CANCELLED),
                lesson="lesson__",
            )
        ),
        "period_marks": per_user(
            of_students(
                PeriodMark.objects.filter(
                    school=school,
                    late=True,
                    entered_at__gte=entered_from,
                    entered_at__lt=entered_until,
                )
            )
        ),
    }


def late_entries(school, start, end, school_class=None) -> list[dict]:
    """Late entries per teacher (the rows of the debts page): each kind's count and the total,
    the most first. Six queries whatever the school's size."""
    counts: dict[int | None, Counter] = {}
    rows_of_kinds = _late_counts(school, start, end, school_class)
    user_ids = {user_id for rows in rows_of_kinds.values() for user_id, _n in rows}
    staff_of = {
        s.user_id: s
        for s in Staff.objects.filter(school=school, user_id__in=[u for u in user_ids if u])
    }
    for kind, rows in rows_of_kinds.items():
        for user_id, n in rows:
            # Entries of people without a staff card here (a deleted login, an import) are
            # counted together as «unknown».
            key = user_id if user_id in staff_of else None
            counts.setdefault(key, Counter())[kind] += n
    rows = [
        {
            "staff": staff_of.get(user_id),
            "counts": [per_kind[kind] for kind in LATE_KINDS],
            "total": sum(per_kind.values()),
        }
        for user_id, per_kind in counts.items()
    ]
    return sorted(
        rows, key=lambda row: (-row["total"], row["staff"].full_name if row["staff"] else "")
    )


# --- settings --------------------------------------------------------------------------------


def _state(obj, fields) -> dict:
    return {k: str(v) if v is not None else None for k, v in model_to_dict(obj, fields).items()}


POLICY_FIELDS = [*PolicyForm.Meta.fields, "forecast_thresholds"]
WORK_TYPE_FIELDS = WorkTypeForm.Meta.fields


@school_permission("journal.manage_settings")
def settings_page(request: HttpRequest) -> HttpResponse:
    """The school's journal policy, work types and grading scale rules (admin and deputy);
    every save is audited."""
    school = current_school(request)
    policy = policy_of(school)
    ensure_work_types(school)
    work_types = WorkType.objects.filter(school=school).order_by("position", "code")
    editing = None
    raw_edit = request.POST.get("work_type") or request.GET.get("edit") or ""
    if raw_edit:
        if not raw_edit.isdigit():
            raise Http404
        editing = get_object_or_404(work_types, pk=int(raw_edit))
    # The states before a change (a bound model form changes its instance when validated).
    policy_before = _state(policy, POLICY_FIELDS) if policy.pk else None
    work_type_before = _state(editing, WORK_TYPE_FIELDS) if editing else None
    which = request.POST.get("form", "") if request.method == "POST" else ""
    post = request.POST if request.method == "POST" else None

    policy_form = PolicyForm(post if which == "policy" else None, instance=policy, prefix="p")
    work_type_form = WorkTypeForm(
        post if which == "work_type" else None,
        instance=editing or WorkType(school=school, position=len(work_types)),
        school=school,
        prefix="w",
    )
    rule_form = ScaleRuleForm(post if which == "rule" else None, school=school, prefix="r")

    if request.method == "POST":
        if which == "policy" and policy_form.is_valid():
            created = policy_before is None
            before = policy_before
            with transaction.atomic():
                policy = policy_form.save()
                record(
                    action=AuditAction.CREATED if created else AuditAction.UPDATED,
                    actor=Actor.of(request),
                    obj=policy,
                    school=school,
                    before=before,
                    after=_state(policy, POLICY_FIELDS),
                )
            messages.success(request, _("The journal policy is saved."))
            return redirect("journal_control:settings")
        if which == "work_type" and work_type_form.is_valid():
            before = work_type_before
            with transaction.atomic():
                work_type = work_type_form.save()
                record(
                    action=AuditAction.UPDATED if editing else AuditAction.CREATED,
                    actor=Actor.of(request),
                    obj=work_type,
                    school=school,
                    before=before,
                    after=_state(work_type, WORK_TYPE_FIELDS),
                )
            messages.success(
                request, _("The work type %(code)s is saved.") % {"code": work_type.code}
            )
            return redirect("journal_control:settings")
        if which == "rule" and rule_form.is_valid():
            with transaction.atomic():
                rule = rule_form.save()
                record(
                    action=AuditAction.CREATED,
                    actor=Actor.of(request),
                    obj=rule,
                    school=school,
                    after={"rule": str(rule)},
                )
            messages.success(request, _("The grading scale rule is added."))
            return redirect("journal_control:settings")
        if which == "delete_rule":
            raw = request.POST.get("rule", "")
            if not raw.isdigit():
                raise Http404
            rule = get_object_or_404(
                ScaleRule.objects.filter(school=school).select_related("grade_level", "subject"),
                pk=int(raw),
            )
            with transaction.atomic():
                record(
                    action=AuditAction.DELETED,
                    actor=Actor.of(request),
                    obj=rule,
                    school=school,
                    before={"rule": str(rule)},
                )
                rule.delete()
            messages.success(request, _("The grading scale rule is deleted."))
            return redirect("journal_control:settings")
        if which not in ("policy", "work_type", "rule"):
            messages.error(request, _("Nothing to save."))
            return redirect("journal_control:settings")
        messages.error(request, _("Not saved: correct the errors below."))

    rules = ScaleRule.objects.filter(school=school).select_related("grade_level", "subject")
    return render(
        request,
        "journal_control/settings.html",
        {
            "policy_form": policy_form,
            "work_type_form": work_type_form,
            "rule_form": rule_form,
            "work_types": work_types,
            "editing": editing,
            "rules": rules.order_by("grade_level__number", "subject__name"),
            **_nav(request, school),
        },
    )


__all__ = ["absences", "changes", "debts", "settings_page", "unlocks"]
