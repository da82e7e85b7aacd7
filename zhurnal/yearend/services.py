"""The year end's use cases (issue 13; seed 002 §6.2.3: "the secretary closes the year, opens
the new one, promotes"; regulation 3.1: the year-end sequence). One function each: the facts
of the school's rules, the transaction, the audit (``events``). The callers have checked who
may act (``yearend.access``).

* ``close_year`` / ``reopen_year``: the year's journal read-only (``AcademicYear.closed_at``,
  which the journal's rule ``check_year_open`` reads), or open again with a reason;
* ``create_next_year``: the next year from this one — terms and holidays a year later
  (editable afterwards on the reference pages), the curriculum of the grade levels, the base
  thematic plans (КТП) with their items. Grade levels and bell schedules are the school's,
  not a year's: they carry over as they are;
* ``promote_class``: a class's students into the next year, each by the class's order (a
  ``Movement`` written by ``school.services``): promoted to the next grade (the class of the
  same letter, made with its courses, teachers, subgroups, КТП and a draft timetable when it
  does not exist yet), promoted conditionally with an academic debt, kept down, or graduated
  (grades 9 and 11, each with a final mark in every graded course). Previewed first
  (``queries.promotion_plan``), then all or nothing; run again, it changes nothing.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.planning.models import CoursePlan, PlanItem, ThematicPlan
from zhurnal.school.courses import of_class
from zhurnal.school.models import (
    AcademicYear,
    Course,
    CurriculumLine,
    GradeLevel,
    Group,
    GroupMembership,
    Holiday,
    SchoolClass,
    Student,
    Term,
)
from zhurnal.school.rosters import enrolled_on
from zhurnal.school.services import Order, depart_student, transfer_student
from zhurnal.timetable.models import BellSchedule, TimetableEntry

from . import events
from .queries import (
    PROMOTED,
    Decision,
    PromotionPlan,
    checklist,
    next_title,
    promotion_plan,
    shift_year,
)

# --- closing the year ------------------------------------------------------------------------


@transaction.atomic
def close_year(*, year: AcademicYear, today: date, accept_gaps: bool, actor: Actor) -> AcademicYear:
    """Close the year (regulation 3.1: after the final marks are checked): its journal is
    read-only from now on. Refused while the checklist has gaps, unless the closer accepts
    them (a student who came in May, a course without marks): the gaps left are audited."""
    locked = AcademicYear.objects.select_for_update().filter(pk=year.pk).first()
    if locked.closed_at is not None:
        raise ValidationError(_("The year is closed already."))
    found = checklist(year.school, year, today)
    if not found.complete and not accept_gaps:
        raise ValidationError(
            _(
                "The checklist still has gaps: fix them, or confirm that the year is closed "
                "with the gaps left."
            )
        )
    year.closed_at = timezone.now()
    year.save(update_fields=["closed_at"])
    events.year_closed(year, actor=actor, gaps={k: n for k, n in found.counts().items() if n})
    return year


@transaction.atomic
def reopen_year(*, year: AcademicYear, reason: str, actor: Actor) -> AcademicYear:
    """Open a closed year again (closed by mistake), with the reason; a single correction is
    better made through a deputy's unlock of the course, which keeps the year closed."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(_("Give the reason to open the year again."))
    locked = AcademicYear.objects.select_for_update().filter(pk=year.pk).first()
    if locked.closed_at is None:
        raise ValidationError(_("The year is not closed."))
    closed_at = locked.closed_at
    year.closed_at = None
    year.save(update_fields=["closed_at"])
    events.year_reopened(year, actor=actor, closed_at=closed_at, reason=reason[:500])
    return year


# --- the next year ---------------------------------------------------------------------------


@transaction.atomic
def create_next_year(*, year: AcademicYear, actor: Actor) -> AcademicYear:
    """The next year from ``year``: its dates, terms and holidays a year later, the curriculum
    of the grade levels and the base КТП with their items. Refused when it exists already."""
    title = next_title(year)
    if AcademicYear.objects.filter(school_id=year.school_id, title=title).exists():
        raise ValidationError(
            _("The year %(title)s exists already.") % {"title": title}, code="exists"
        )
    school_id = year.school_id
    new = AcademicYear.objects.create(
        school_id=school_id, title=title, start=shift_year(year.start), end=shift_year(year.end)
    )
    terms = [
        Term(
            school_id=school_id,
            year=new,
            kind=t.kind,
            number=t.number,
            start=shift_year(t.start),
            end=shift_year(t.end),
        )
        for t in Term.objects.filter(year=year).order_by("start")
    ]
    Term.objects.bulk_create(terms)
    holidays = list(Holiday.objects.filter(year=year).prefetch_related("grade_levels"))
    for old in holidays:
        copy = Holiday.objects.create(
            school_id=school_id,
            year=new,
            title=old.title,
            start=shift_year(old.start),
            end=shift_year(old.end),
        )
        copy.grade_levels.set(old.grade_levels.all())
    lines = [
        CurriculumLine(
            school_id=school_id,
            year=new,
            subject_id=line.subject_id,
            grade_level_id=line.grade_level_id,
            hours_per_week=line.hours_per_week,
        )
        for line in CurriculumLine.objects.filter(year=year, school_class__isnull=True)
    ]
    CurriculumLine.objects.bulk_create(lines)
    plans = _copy_base_plans(year, new)
    events.year_created(
        new,
        year,
        actor=actor,
        copied={
            "terms": len(terms),
            "holidays": len(holidays),
            "curriculum": len(lines),
            "plans": plans,
        },
    )
    return new


def _copy_base_plans(year: AcademicYear, new: AcademicYear) -> int:
    """The parallels' КТП (not the courses' own copies) of ``year`` into ``new``, items
    included (their planned dates a year later)."""
    plans = list(ThematicPlan.objects.filter(year=year, owner_course__isnull=True).order_by("pk"))
    copies = ThematicPlan.objects.bulk_create(
        ThematicPlan(
            school_id=p.school_id,
            year=new,
            subject_id=p.subject_id,
            grade_level_id=p.grade_level_id,
            title=p.title,
        )
        for p in plans
    )
    copy_of = {old.pk: copy.pk for old, copy in zip(plans, copies, strict=True)}
    PlanItem.objects.bulk_create(
        PlanItem(
            school_id=item.school_id,
            plan_id=copy_of[item.plan_id],
            position=item.position,
            section=item.section,
            topic=item.topic,
            hours=item.hours,
            kind=item.kind,
            planned_date=shift_year(item.planned_date) if item.planned_date else None,
        )
        for item in PlanItem.objects.filter(plan_id__in=copy_of)
    )
    return len(copies)


# --- promotion -------------------------------------------------------------------------------


@transaction.atomic
def promote_class(
    *,
    school_class: SchoolClass,
    new_year: AcademicYear,
    decisions: dict[int, tuple[str, str]],
    order: Order,
    actor: Actor,
) -> PromotionPlan:
    """Promote a class's students into ``new_year`` by ``order`` (see the module's docstring);
    ``decisions``: the student's id → (``Decision``, the academic debt's text) where it is not
    the default. All or nothing: any error of the preview refuses the whole class. Students
    already moved by an earlier run are left as they are."""
    year = school_class.year
    if not AcademicYear.objects.filter(pk=year.pk, closed_at__isnull=False).exists():
        raise ValidationError(_("Close the year first: the promotion follows the closing."))
    plan = promotion_plan(school_class=school_class, new_year=new_year, decisions=decisions)
    if plan.errors:
        raise ValidationError(plan.errors)
    if not plan.steps:
        return plan
    targets: dict[str, SchoolClass] = {}
    for step in plan.steps:
        if step.decision == Decision.GRADUATE:
            depart_student(
                student=step.student,
                day=year.end,
                order=order,
                note=step.note,
                actor=actor,
            )
            continue
        grade = plan.grade if step.decision == Decision.KEEP else plan.grade + 1
        if step.target_name not in targets:
            targets[step.target_name] = _class_in(new_year, school_class, grade)
            if grade != plan.grade:
                _carry_courses(school_class, targets[step.target_name])
        transfer_student(
            student=step.student,
            school_class=targets[step.target_name],
            day=new_year.start,
            order=order,
            note=step.note,
            actor=actor,
        )
    promoted = [s.student for s in plan.steps if s.decision in PROMOTED]
    target = targets.get(plan.target_name)
    if target is not None and promoted:
        _carry_group_members(school_class, target, promoted)
    events.class_promoted(
        school_class,
        target,
        actor=actor,
        outcome=plan.outcome(),
        order=f"{order.number} от {order.date:%d.%m.%Y}",
    )
    return plan


def _class_in(new_year: AcademicYear, old: SchoolClass, grade: int) -> SchoolClass:
    """The class of ``grade`` with ``old``'s letter in the new year, made (with ``old``'s class
    teacher, room and bell schedules) when it does not exist yet."""
    level = GradeLevel.objects.filter(school_id=old.school_id, number=grade).first()
    if level is None:
        raise ValidationError(
            _("The school has no grade level %(grade)s: add it first.") % {"grade": grade}
        )
    found = SchoolClass.objects.filter(year=new_year, grade_level=level, letter=old.letter).first()
    if found is not None:
        return found
    new = SchoolClass.objects.create(
        school_id=old.school_id,
        year=new_year,
        grade_level=level,
        letter=old.letter,
        class_teacher_id=old.class_teacher_id,
        room=old.room,
    )
    for schedule in BellSchedule.objects.filter(classes=old):
        schedule.classes.add(new)
    return new


def _renamed(name: str, old: SchoolClass, new: SchoolClass) -> str:
    """A subgroup's name in the promoted class: «5А: английский, гр. 1» → «6А: …»."""
    if old.name in name:
        return name.replace(old.name, new.name)
    return f"{new.name}: {name}"


def _carry_courses(old: SchoolClass, new: SchoolClass) -> None:
    """``old``'s courses (its own and its subgroups') re-created for ``new`` with their
    teachers, the hours of the new year's curriculum, the КТП of the subject and grade in the
    new year, and their timetable entries as a draft (no lessons until the deputy generates
    them). A course ``new`` has already is not made twice."""
    new_year = new.year
    existing = {
        (c.subject_id, c.group.name if c.group_id else None, c.kind)
        for c in Course.objects.filter(of_class(new), year=new_year).select_related("group")
    }
    hours = dict(
        CurriculumLine.objects.filter(
            year=new_year, grade_level=new.grade_level, school_class__isnull=True
        ).values_list("subject_id", "hours_per_week")
    )
    plans: dict[int, int] = {}
    for subject_id, plan_id in (
        ThematicPlan.objects.filter(
            year=new_year, grade_level=new.grade_level, owner_course__isnull=True
        )
        .order_by("-pk")
        .values_list("subject_id", "pk")
    ):
        plans[subject_id] = plan_id  # the first made wins (ordered last to first)
    groups: dict[int, Group] = {}
    courses = (
        Course.objects.filter(of_class(old), year=old.year)
        .select_related("group")
        .prefetch_related("teachers", "timetable_entries")
        .order_by("pk")
    )
    for course in courses:
        group = None
        if course.group_id:
            name = _renamed(course.group.name, old, new)
            if course.group_id not in groups:
                groups[course.group_id] = Group.objects.get_or_create(
                    school_id=new.school_id,
                    year=new_year,
                    name=name,
                    defaults={"school_class": new, "subject_id": course.group.subject_id},
                )[0]
            group = groups[course.group_id]
        key = (course.subject_id, group.name if group else None, course.kind)
        if key in existing:
            continue
        existing.add(key)
        copy = Course.objects.create(
            school_id=new.school_id,
            year=new_year,
            subject_id=course.subject_id,
            school_class=None if group else new,
            group=group,
            kind=course.kind,
            hours_per_week=hours.get(course.subject_id, course.hours_per_week),
        )
        copy.teachers.set(course.teachers.all())
        if course.subject_id in plans:
            CoursePlan.objects.create(
                school_id=new.school_id, course=copy, plan_id=plans[course.subject_id]
            )
        entries = [
            e
            for e in course.timetable_entries.all()
            if e.valid_to is None or e.valid_to >= old.year.end
        ]
        TimetableEntry.objects.bulk_create(
            TimetableEntry(
                school_id=new.school_id,
                year=new_year,
                course=copy,
                weekday=e.weekday,
                number=e.number,
                teacher_id=e.teacher_id,
                room=e.room,
                parity=e.parity,
                valid_from=new_year.start,
            )
            for e in entries
        )


def _carry_group_members(old: SchoolClass, new: SchoolClass, students: list[Student]) -> None:
    """The promoted students keep their subgroups: the members of ``old``'s subgroups at the
    year's end join the subgroups of the same name of ``new`` from the new year's start."""
    year_end = old.year.end
    ids = {s.pk for s in students}
    wanted = {
        (_renamed(group_name, old, new), student_id)
        for group_name, student_id in GroupMembership.objects.filter(
            enrolled_on(year_end), group__school_class=old, student_id__in=ids
        ).values_list("group__name", "student_id")
    }
    if not wanted:
        return
    new_groups = {g.name: g for g in Group.objects.filter(year=new.year, school_class=new)}
    have = set(
        GroupMembership.objects.filter(group__in=new_groups.values()).values_list(
            "group__name", "student_id"
        )
    )
    GroupMembership.objects.bulk_create(
        GroupMembership(
            school_id=new.school_id,
            group=new_groups[name],
            student_id=student_id,
            start=new.year.start,
        )
        for name, student_id in sorted(wanted - have)
        if name in new_groups
    )
