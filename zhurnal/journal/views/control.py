"""Journal control and settings pages (issue 4): the class teacher's absence register, the
deputy's unlocks, the audit of journal changes, debts («•») and late entries, and the school's
journal settings (policy, work types, grading scale rules).

Every page checks its ``journal.*`` rule through the access entry points; objects are reached
within the current school only (a forged id is a 404). The figures are ``control_queries``';
the writes ``journal.services``' (absences, unlocks, settings), audited there.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.core.access import current_school, in_school, school_permission
from zhurnal.school.access import class_for
from zhurnal.school.calendar import current_year, school_today
from zhurnal.school.models import AcademicYear
from zhurnal.school.rosters import class_roster

from .. import services
from ..access import scale_rule_for, work_type_for
from ..control_forms import (
    SCALE_RULE_FIELDS,
    AbsenceForm,
    ChangesFilterForm,
    DebtsFilterForm,
    PolicyForm,
    ScaleRuleForm,
    UnlockForm,
    WorkTypeForm,
    school_courses,
)
from ..control_queries import (
    LATE_KINDS,
    class_absences,
    journal_changes,
    late_entries,
    lesson_dates,
    owed_marks,
    school_unlocks,
    substitution_teachers,
)
from ..models import WorkType
from ..policy import policy_of
from ..queries import scale_rules, school_work_types
from ..scales import Special
from ..services import WORK_TYPE_FIELDS

PAGE_SIZE = 50


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
    school_class = class_for(request.user, school, class_id, "journal.view_absences")
    can_keep = _has(request, "journal.keep_absences", school_class)
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
    page = Paginator(class_absences(school, school_class), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "journal_control/absences.html",
        {"school_class": school_class, "form": form, "page": page, "can_keep": can_keep},
    )


# --- unlocks ---------------------------------------------------------------------------------


@school_permission("journal.view_changes")
def unlocks(request: HttpRequest) -> HttpResponse:
    """The deputy opens a locked course for a date range (``journal.unlock``); the
    administration sees the unlocks granted (``journal.view_changes``, which the deputy
    holds)."""
    school = current_school(request)
    can_grant = _has(request, "journal.unlock", school)
    if request.method == "POST" and not can_grant:
        raise PermissionDenied
    today = school_today(school)
    # ``?year=``: a past year's courses, for a correction after the year was closed (issue 13).
    year_id = request.GET.get("year", "")
    if year_id.isdigit():
        year = in_school(school, AcademicYear, pk=int(year_id))
    else:
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
            return redirect(request.get_full_path())
    page = Paginator(school_unlocks(school), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "journal_control/unlocks.html",
        {
            "form": form,
            "page": page,
            "can_grant": can_grant,
            "now": timezone.now(),
            "locks": policy_of(school).lock_after_days,
            "year": year,
            **_nav(request, school),
        },
    )


# --- changes ---------------------------------------------------------------------------------


def _short(text: str, length: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _state_text(state: dict | None) -> str:
    """An entry's value as recorded in the audit: a mark, an attendance code, a roll call, an
    absence, an unlock, a lesson's topic (and cancellation), a homework or a note's text, a
    file's name."""
    if not state:
        return ""
    if "roll_call" in state:  # the lesson's attendance taken: everyone present, or N entries
        entries = state["roll_call"]
        text = (
            ngettext("%(count)d attendance entry", "%(count)d attendance entries", entries)
            % {"count": entries}
            if entries
            else _("everyone present")
        )
        return f"{text}, {_('late')}" if state.get("late") else text
    if "value" in state:
        return str(state["value"])
    if "code" in state:
        return str(state["code"])
    if "whole_day" in state:  # a day of the class teacher's absence sheet
        text = f"{state['reason']} {state.get('date', '')}"
        return f"{text}, {_('the whole day')}" if state["whole_day"] else text
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


@school_permission("journal.view_changes")
def changes(request: HttpRequest) -> HttpResponse:
    """The audit of journal entries, filtered by course, student, teacher (who made the change)
    and date; newest first, paginated, a fixed number of queries per page."""
    school = current_school(request)
    form = ChangesFilterForm(request.GET or None, school=school)
    if form.is_bound and not form.is_valid():
        if form.forged_id():
            raise Http404
        events = journal_changes(school).none()
    else:
        filters = form.cleaned_data if form.is_bound else {}
        events = journal_changes(school, **filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page_events = list(page.object_list)
    dates = lesson_dates(page_events)
    teachers = substitution_teachers(school, page_events)

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

    owed = owed_marks(school, start, end, school_class)
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


# --- settings --------------------------------------------------------------------------------


@school_permission("journal.manage_settings")
def settings_page(request: HttpRequest) -> HttpResponse:
    """The school's journal policy, work types and grading scale rules (admin and deputy);
    every save is audited (``journal.services.control``)."""
    school = current_school(request)
    policy = policy_of(school)
    work_types = school_work_types(school)
    editing = None
    raw_edit = request.POST.get("work_type") or request.GET.get("edit") or ""
    if raw_edit:
        if not raw_edit.isdigit():
            raise Http404
        editing = work_type_for(school, int(raw_edit))
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
    actor = Actor.of(request)

    if request.method == "POST":
        if which == "policy" and policy_form.is_valid():
            services.save_policy(school=school, data=policy_form.policy_data(), actor=actor)
            messages.success(request, _("The journal policy is saved."))
            return redirect("journal_control:settings")
        if which == "work_type" and work_type_form.is_valid():
            work_type = services.save_work_type(
                work_type=work_type_form.instance,
                data={name: work_type_form.cleaned_data[name] for name in WORK_TYPE_FIELDS},
                actor=actor,
            )
            messages.success(
                request, _("The work type %(code)s is saved.") % {"code": work_type.code}
            )
            return redirect("journal_control:settings")
        if which == "rule" and rule_form.is_valid():
            services.add_scale_rule(
                school=school,
                data={name: rule_form.cleaned_data[name] for name in SCALE_RULE_FIELDS},
                actor=actor,
            )
            messages.success(request, _("The grading scale rule is added."))
            return redirect("journal_control:settings")
        if which == "delete_rule":
            raw = request.POST.get("rule", "")
            if not raw.isdigit():
                raise Http404
            services.delete_scale_rule(rule=scale_rule_for(school, int(raw)), actor=actor)
            messages.success(request, _("The grading scale rule is deleted."))
            return redirect("journal_control:settings")
        if which not in ("policy", "work_type", "rule"):
            messages.error(request, _("Nothing to save."))
            return redirect("journal_control:settings")
        messages.error(request, _("Not saved: correct the errors below."))

    return render(
        request,
        "journal_control/settings.html",
        {
            "policy_form": policy_form,
            "work_type_form": work_type_form,
            "rule_form": rule_form,
            "work_types": work_types,
            "editing": editing,
            "rules": scale_rules(school),
            **_nav(request, school),
        },
    )


__all__ = ["absences", "changes", "debts", "settings_page", "unlocks"]
