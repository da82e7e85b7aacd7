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
  same letter, made with its courses, teachers, subgroups, class-specific curriculum, КТП and
  a draft timetable when it does not exist yet), promoted conditionally with an academic debt,
  kept down, or graduated (grades 9 and 11, each with a final mark in every graded course).
  The promoted students keep their subgroups and their cross-class groups (electives, profile
  groups, a group without a class: re-created in the new year with their courses, teachers and
  draft timetable); a student kept down joins the subgroups of the same name in the class of
  their grade. Previewed first (``queries.promotion_plan``), then all or nothing; run again, it
  changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.planning.models import CoursePlan, PlanItem, ThematicPlan
from zhurnal.school.courses import bump_journal_versions, of_class
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
    regraded,
    renamed,
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
        raise ValidationError(_("The year is closed already."), code="closed_already")
    found = checklist(year.school, year, today)
    if not found.complete and not accept_gaps:
        raise ValidationError(
            _(
                "The checklist still has gaps: fix them, or confirm that the year is closed "
                "with the gaps left."
            ),
            code="gaps",
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
        raise ValidationError(
            _("Close the year first: the promotion follows the closing."), code="year_open"
        )
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
        _carry_cross_class_groups(school_class, target, promoted)
    kept = [s.student for s in plan.steps if s.decision == Decision.KEEP]
    if kept:
        _carry_group_members(school_class, targets[f"{plan.grade}{school_class.letter}"], kept)
    events.class_promoted(
        school_class,
        target,
        actor=actor,
        outcome=plan.outcome(),
        order=f"{order.number} от {order.date:%d.%m.%Y}",
    )
    return plan


def _class_in(new_year: AcademicYear, old: SchoolClass, grade: int) -> SchoolClass:
    """The class of ``grade`` with ``old``'s letter in the new year, made with ``old``'s bell
    schedules when it does not exist yet. The class teacher and the room go up with the class:
    a class made for ``old``'s students kept down gets none (the class promoted into it later
    brings its own, the secretary may set another)."""
    level = GradeLevel.objects.filter(school_id=old.school_id, number=grade).first()
    if level is None:
        raise ValidationError(
            _("The school has no grade level %(grade)s: add it first.") % {"grade": grade}
        )
    promoted_into = grade != old.grade_level.number
    found = SchoolClass.objects.filter(year=new_year, grade_level=level, letter=old.letter).first()
    if found is not None:
        if promoted_into and found.class_teacher_id is None and old.class_teacher_id:
            found.class_teacher_id = old.class_teacher_id
            found.save(update_fields=["class_teacher"])
        return found
    new = SchoolClass.objects.create(
        school_id=old.school_id,
        year=new_year,
        grade_level=level,
        letter=old.letter,
        class_teacher_id=old.class_teacher_id if promoted_into else None,
        room=old.room if promoted_into else "",
    )
    for schedule in BellSchedule.objects.filter(classes=old):
        schedule.classes.add(new)
    return new


def _base_plans(new_year: AcademicYear, level: GradeLevel) -> dict[int, int]:
    """The new year's base КТП of a grade level by subject (the first made of a subject)."""
    plans: dict[int, int] = {}
    for subject_id, plan_id in (
        ThematicPlan.objects.filter(year=new_year, grade_level=level, owner_course__isnull=True)
        .order_by("-pk")
        .values_list("subject_id", "pk")
    ):
        plans[subject_id] = plan_id  # the first made wins (ordered last to first)
    return plans


def _carry_curriculum(old: SchoolClass, new: SchoolClass) -> dict[int, Decimal]:
    """``old``'s own curriculum lines (a class's hours that differ from its grade level's)
    copied to ``new`` with its grade level, unless ``new`` has its line of the subject; the
    hours of ``new``'s courses by subject: the new year's lines of its grade level, its own
    lines over them."""
    new_year = new.year
    hours: dict[int, Decimal] = {}
    own: dict[int, Decimal] = {}
    for subject_id, class_id, value in CurriculumLine.objects.filter(
        Q(school_class__isnull=True, grade_level=new.grade_level) | Q(school_class=new),
        year=new_year,
    ).values_list("subject_id", "school_class_id", "hours_per_week"):
        (own if class_id else hours)[subject_id] = value
    copies = [
        CurriculumLine(
            school_id=new.school_id,
            year=new_year,
            subject_id=line.subject_id,
            grade_level=new.grade_level,
            school_class=new,
            hours_per_week=line.hours_per_week,
        )
        for line in CurriculumLine.objects.filter(year=old.year, school_class=old).order_by("pk")
        if line.subject_id not in own
    ]
    CurriculumLine.objects.bulk_create(copies)
    own.update({line.subject_id: line.hours_per_week for line in copies})
    return hours | own


def _copy_course(
    course: Course,
    *,
    new_year: AcademicYear,
    school_class: SchoolClass | None,
    group: Group | None,
    hours: Decimal,
    plan_id: int | None,
) -> Course:
    """``course`` re-created in ``new_year`` for a class or a group: its teachers, the КТП
    ``plan_id`` and its timetable entries still valid at the year's end as a draft (no lessons
    until the deputy generates them)."""
    copy = Course.objects.create(
        school_id=course.school_id,
        year=new_year,
        subject_id=course.subject_id,
        school_class=school_class,
        group=group,
        kind=course.kind,
        hours_per_week=hours,
    )
    copy.teachers.set(course.teachers.all())
    if plan_id is not None:
        CoursePlan.objects.create(school_id=course.school_id, course=copy, plan_id=plan_id)
    year_end = course.year.end
    TimetableEntry.objects.bulk_create(
        TimetableEntry(
            school_id=course.school_id,
            year=new_year,
            course=copy,
            weekday=e.weekday,
            number=e.number,
            teacher_id=e.teacher_id,
            room=e.room,
            parity=e.parity,
            valid_from=new_year.start,
        )
        for e in course.timetable_entries.all()
        if e.valid_to is None or e.valid_to >= year_end
    )
    return copy


def _carry_courses(old: SchoolClass, new: SchoolClass) -> None:
    """``old``'s courses (its own and its subgroups') re-created for ``new`` (``_copy_course``)
    with the hours of the new year's curriculum (``old``'s own lines copied first:
    ``_carry_curriculum``) and the КТП of the subject and grade in the new year. A course
    ``new`` has already is not made twice."""
    new_year = new.year
    existing = {
        (c.subject_id, c.group.name if c.group_id else None, c.kind)
        for c in Course.objects.filter(of_class(new), year=new_year).select_related("group")
    }
    hours = _carry_curriculum(old, new)
    plans = _base_plans(new_year, new.grade_level)
    groups: dict[int, Group] = {}
    courses = (
        Course.objects.filter(of_class(old), year=old.year)
        .select_related("group", "year")
        .prefetch_related("teachers", "timetable_entries")
        .order_by("pk")
    )
    for course in courses:
        group = None
        if course.group_id:
            name = renamed(course.group.name, old.name, new.name)
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
        _copy_course(
            course,
            new_year=new_year,
            school_class=None if group else new,
            group=group,
            hours=hours.get(course.subject_id, course.hours_per_week),
            plan_id=plans.get(course.subject_id),
        )


def _carry_group_members(old: SchoolClass, new: SchoolClass, students: list[Student]) -> None:
    """``students`` keep their subgroups: the members of ``old``'s subgroups at the year's end
    join the subgroups of the same name of ``new`` (the class they go to: up a grade, or the
    same grade when kept down) from the new year's start; a subgroup ``new`` does not have yet
    is made (the courses of the class promoted into it later find it by its name)."""
    year_end = old.year.end
    ids = {s.pk for s in students}
    wanted: dict[str, set[int]] = {}
    subjects: dict[str, int | None] = {}
    for group_name, subject_id, student_id in GroupMembership.objects.filter(
        enrolled_on(year_end), group__school_class=old, student_id__in=ids
    ).values_list("group__name", "group__subject_id", "student_id"):
        name = renamed(group_name, old.name, new.name)
        wanted.setdefault(name, set()).add(student_id)
        subjects[name] = subject_id
    if not wanted:
        return
    new_groups = {g.name: g for g in Group.objects.filter(year=new.year, name__in=wanted)}
    for name in sorted(set(wanted) - set(new_groups)):
        new_groups[name] = Group.objects.create(
            school_id=new.school_id,
            year=new.year,
            name=name,
            school_class=new,
            subject_id=subjects[name],
        )
    _join(new_groups, wanted, new.year.start)


def _join(groups: dict[str, Group], wanted: dict[str, set[int]], start: date) -> None:
    """The students of ``wanted`` (a group's name → student ids) join ``groups`` from
    ``start``; those in a group already stay as they are."""
    have = set(
        GroupMembership.objects.filter(group__in=groups.values()).values_list(
            "group__name", "student_id"
        )
    )
    GroupMembership.objects.bulk_create(
        GroupMembership(
            school_id=groups[name].school_id,
            group=groups[name],
            student_id=student_id,
            start=start,
        )
        for name, ids in sorted(wanted.items())
        for student_id in sorted(ids)
        if (name, student_id) not in have
    )
    # No model signals for bulk_create: the groups' journals' versions by hand.
    bump_journal_versions(Course.objects.filter(group__in=groups.values()))


def _carry_cross_class_groups(old: SchoolClass, new: SchoolClass, students: list[Student]) -> None:
    """The promoted ``students`` keep their cross-class groups (electives by grade, profile
    groups, a group without a class): each group they were in at the year's end is re-created
    in the new year (``regraded`` name, no class) with its courses — teachers, hours, the КТП
    of the subject for ``new``'s grade and a draft timetable (``_copy_course``) — and they join
    it from the new year's start. A group, or a course of it, made already by the promotion of
    another class of its members is joined, not made twice. Students kept down or graduating
    leave the group: its cohort goes on without them."""
    old_year, new_year = old.year, new.year
    members: dict[int, set[int]] = {}
    old_groups: dict[int, Group] = {}
    for membership in GroupMembership.objects.filter(
        enrolled_on(old_year.end),
        group__year=old_year,
        group__school_class__isnull=True,
        student_id__in=[s.pk for s in students],
    ).select_related("group"):
        members.setdefault(membership.group_id, set()).add(membership.student_id)
        old_groups[membership.group_id] = membership.group
    if not members:
        return
    grade, new_grade = old.grade_level.number, new.grade_level.number
    names = {pk: regraded(g.name, grade, new_grade) for pk, g in old_groups.items()}
    groups = {g.name: g for g in Group.objects.filter(year=new_year, name__in=names.values())}
    for pk, name in sorted(names.items()):
        if name not in groups:
            groups[name] = Group.objects.create(
                school_id=new.school_id,
                year=new_year,
                name=name,
                subject_id=old_groups[pk].subject_id,
            )
    existing = set(
        Course.objects.filter(group__in=groups.values()).values_list(
            "subject_id", "group_id", "kind"
        )
    )
    plans = _base_plans(new_year, new.grade_level)
    for course in (
        Course.objects.filter(group_id__in=members, year=old_year)
        .select_related("year")
        .prefetch_related("teachers", "timetable_entries")
        .order_by("pk")
    ):
        group = groups[names[course.group_id]]
        key = (course.subject_id, group.pk, course.kind)
        if key in existing:
            continue
        existing.add(key)
        _copy_course(
            course,
            new_year=new_year,
            school_class=None,
            group=group,
            hours=course.hours_per_week,
            plan_id=plans.get(course.subject_id),
        )
    wanted: dict[str, set[int]] = {}
    for pk, ids in members.items():
        wanted.setdefault(names[pk], set()).update(ids)
    _join(groups, wanted, new_year.start)
