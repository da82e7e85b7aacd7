"""Thematic plan pages (КТП): the list, a plan, its items, copying, and the plan of a course."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school, school_permission
from zhurnal.school.access import course_for
from zhurnal.school.calendar import current_year, school_today
from zhurnal.school.courses import grade_level_of
from zhurnal.school.models import GradeLevel, Subject

from .. import services
from ..access import may_create_plan_for, plan_for, plan_item_for
from ..forms import ChoosePlanForm, CopyForm, ItemForm, PlanForm, RenameForm
from ..models import PlanItem, ThematicPlan
from ..queries import (
    course_hours_check,
    course_plan,
    plan_course_queryset,
    plan_rows,
    plans_queryset,
)


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _errors(error: ValidationError) -> list[str]:
    return list(error.messages)


@school_permission("planning.view_plans")
def plan_list(request: HttpRequest) -> HttpResponse:
    """The school's plans of a year, by grade level and subject, with the hours check."""
    school = request.school
    year = current_year(school, school_today(school))
    years = list(school.years.all())
    year_id = _int(request.GET.get("year")) or (year.pk if year else None)
    plans = plans_queryset(school).filter(year_id=year_id)
    level_id, subject_id = _int(request.GET.get("grade_level")), _int(request.GET.get("subject"))
    if level_id:
        plans = plans.filter(grade_level_id=level_id)
    if subject_id:
        plans = plans.filter(subject_id=subject_id)
    return render(
        request,
        "planning/plan_list.html",
        {
            "rows": plan_rows(plans, school),
            "years": years,
            "year_id": year_id,
            "grade_levels": GradeLevel.objects.filter(school=school),
            "subjects": Subject.objects.filter(school=school),
            "level_id": level_id,
            "subject_id": subject_id,
            "can_create": request.user.has_perm("planning.create_plan", school),
        },
    )


@school_permission("planning.create_plan")
def plan_create(request: HttpRequest) -> HttpResponse:
    school = request.school
    year = current_year(school, school_today(school))
    form = PlanForm(
        request.POST or None,
        school=school,
        initial={
            "year": year,
            "grade_level": _int(request.GET.get("grade_level")),
            "subject": _int(request.GET.get("subject")),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not may_create_plan_for(
            request.user, school, data["subject"].pk, data["grade_level"].pk
        ):
            form.add_error(
                None,
                _("You may create plans only for the subjects and grade levels you teach."),
            )
        else:
            try:
                plan = services.create_plan(
                    school=school,
                    year=data["year"],
                    subject=data["subject"],
                    grade_level=data["grade_level"],
                    title=data["title"],
                    actor=Actor.of(request),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The plan is created: add its items."))
                return redirect("planning:items", plan_id=plan.pk)
    return render(request, "planning/plan_form.html", {"form": form})


def _plan(request: HttpRequest, plan_id: int, perm: str) -> ThematicPlan:
    return plan_for(request.user, current_school(request), plan_id, perm)


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id, "planning.view_plans")
    row = plan_rows([plan], request.school)[0]
    return render(
        request,
        "planning/plan_detail.html",
        {
            "row": row,
            "plan": plan,
            "items": PlanItem.objects.filter(plan=plan).order_by("position"),
            # A closed year's plan is read-only (``services.check_year_open``).
            "can_edit": not plan.year.is_closed
            and request.user.has_perm("planning.edit_plan", plan),
            "can_copy": request.user.has_perm("planning.create_plan", request.school),
        },
    )


@login_required
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Rename or delete a plan."""
    plan = _plan(request, plan_id, "planning.edit_plan")
    form = RenameForm(request.POST or None, initial={"title": plan.title})
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete":
                services.delete_plan(plan=plan, actor=Actor.of(request))
                messages.success(request, _("The plan is deleted."))
                return redirect("planning:list")
            if form.is_valid():
                services.rename_plan(
                    plan=plan,
                    title=form.cleaned_data["title"],
                    actor=Actor.of(request),
                )
                messages.success(request, _("The plan is saved."))
                return redirect("planning:detail", plan_id=plan.pk)
        except ValidationError as error:
            for text in _errors(error):
                messages.error(request, text)
    return render(request, "planning/plan_edit.html", {"plan": plan, "form": form})


def _item_data(data: dict) -> dict:
    return {
        "section": data.get("section") or "",
        "topic": data["topic"],
        "hours": data["hours"],
        "kind": data["kind"],
        "planned_date": data.get("planned_date"),
    }


@login_required
def plan_items(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Edit a plan's items: add (at the end or at a number), edit, delete, move; numbering
    stays 1..n."""
    plan = _plan(request, plan_id, "planning.edit_plan")
    items = PlanItem.objects.filter(plan=plan).order_by("position")
    editing = None
    edit_id = _int(request.POST.get("item") or request.GET.get("item"))
    if edit_id:
        editing = plan_item_for(plan, edit_id)
    action = request.POST.get("action", "")
    form = ItemForm(
        request.POST if action in {"add", "save"} else None,
        initial=(
            {
                "position": editing.position,
                "section": editing.section,
                "topic": editing.topic,
                "hours": editing.hours,
                "kind": editing.kind,
                "planned_date": editing.planned_date,
            }
            if editing
            else {"section": _last_section(items)}
        ),
    )
    if request.method == "POST":
        try:
            if action == "add" and form.is_valid():
                services.add_item(
                    plan=plan,
                    position=form.cleaned_data.get("position"),
                    **_item_data(form.cleaned_data),
                    actor=Actor.of(request),
                )
                messages.success(request, _("The item is added."))
                return redirect("planning:items", plan_id=plan.pk)
            if action == "save" and editing and form.is_valid():
                services.update_item(
                    item=editing,
                    **_item_data(form.cleaned_data),
                    actor=Actor.of(request),
                )
                position = form.cleaned_data.get("position")
                if position and position != editing.position:
                    services.move_item(item=editing, position=position, actor=Actor.of(request))
                messages.success(request, _("The item is saved."))
                return redirect("planning:items", plan_id=plan.pk)
            if action in {"up", "down"} and editing:
                delta = -1 if action == "up" else 1
                services.move_item(
                    item=editing,
                    position=editing.position + delta,
                    actor=Actor.of(request),
                )
                return redirect("planning:items", plan_id=plan.pk)
            if action == "delete" and editing:
                services.delete_item(item=editing, actor=Actor.of(request))
                messages.success(request, _("The item is deleted."))
                return redirect("planning:items", plan_id=plan.pk)
            if action not in {"add", "save"}:
                messages.error(request, _("Unknown action."))
        except ValidationError as error:
            if form.is_bound:
                form.add_error(None, error)
            else:
                for text in _errors(error):
                    messages.error(request, text)
    return render(
        request,
        "planning/plan_items.html",
        {
            "plan": plan,
            "row": plan_rows([plan], request.school)[0],
            "items": items,
            "form": form,
            "editing": editing,
        },
    )


def _last_section(items) -> str:
    last = items.order_by("-position").only("section").first()
    return last.section if last else ""


def _courses_for_copy(request: HttpRequest, plan: ThematicPlan):
    """Courses of the plan's subject whose plan the user may choose (for an own copy)."""
    school = request.school
    year = current_year(school, school_today(school))
    courses = plan_course_queryset(school).filter(subject_id=plan.subject_id)
    if year is not None:
        courses = courses.filter(year=year)
    allowed = [c.pk for c in courses if request.user.has_perm("planning.choose_plan", c)]
    return courses.filter(pk__in=allowed)


@login_required
def plan_copy(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Copy a plan: into another year (last year's plan into this one) or as a course's own
    copy."""
    plan = _plan(request, plan_id, "planning.view_plans")
    school = request.school
    if not request.user.has_perm("planning.create_plan", school):
        raise PermissionDenied
    year = current_year(school, school_today(school))
    courses = _courses_for_copy(request, plan)
    initial = {"year": year, "title": plan.title}
    if _int(request.GET.get("course")):
        initial.update(target=CopyForm.TARGET_COURSE, course=_int(request.GET.get("course")))
    form = CopyForm(request.POST or None, school=school, courses=courses, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        course = data.get("course") if data["target"] == CopyForm.TARGET_COURSE else None
        if course is None and not may_create_plan_for(
            request.user, school, plan.subject_id, plan.grade_level_id
        ):
            form.add_error(
                None,
                _("You may create plans only for the subjects and grade levels you teach."),
            )
        else:
            try:
                copy = services.copy_plan(
                    source=plan,
                    year=course.year if course else data["year"],
                    title=data["title"],
                    owner_course=course,
                    actor=Actor.of(request),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The plan is copied."))
                return redirect("planning:detail", plan_id=copy.pk)
    return render(request, "planning/plan_copy.html", {"plan": plan, "form": form})


@login_required
def course_plan_choice(request: HttpRequest, course_id: int) -> HttpResponse:
    """Which plan a course follows: a base plan of its parallel or its own copy; make an own
    copy of the current plan or of any plan of the subject (another course's, last year's)."""
    school = current_school(request)
    course = course_for(
        request.user,
        school,
        course_id,
        "planning.choose_plan",
        queryset=plan_course_queryset(school),
    )
    level = grade_level_of(course)
    plans = (
        ThematicPlan.objects.filter(school=request.school, year=course.year, subject=course.subject)
        .select_related("subject", "grade_level")
        .filter(Q(owner_course__isnull=True) | Q(owner_course=course))
    )
    if level is not None:
        plans = plans.filter(Q(grade_level=level) | Q(owner_course=course))
    current = course_plan(course)
    form = ChoosePlanForm(request.POST or None, plans=plans, initial={"plan": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.choose_plan(
                course=course,
                plan=form.cleaned_data["plan"],
                actor=Actor.of(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The course's plan is saved."))
            return redirect("lessons:course", course_id=course.pk)
    sources = (
        ThematicPlan.objects.filter(school=request.school, subject=course.subject)
        .select_related(
            "year",
            "grade_level",
            "owner_course__school_class__grade_level",
            "owner_course__group__school_class__grade_level",
        )
        .annotate(item_count=Count("items"))
        .order_by("-year__start", "grade_level__number", "title")
    )
    return render(
        request,
        "planning/course_plan.html",
        {
            "course": course,
            "form": form,
            "current": current,
            "check": course_hours_check(course, current),
            "has_plans": plans.exists(),
            "sources": sources,
            "can_copy": request.user.has_perm("planning.create_plan", request.school),
        },
    )
