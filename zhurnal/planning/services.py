"""Use cases of thematic plans (КТП): one function each, checking the facts, writing and
auditing in one transaction (DESIGN §5 layers). Views, the API and the plan import call these,
having checked who may act (``planning.access``). A lesson's record against the plan (its topic
and plan item) is the journal's (``journal.services.record_topic``).

Item numbers stay 1..n without gaps: adding, deleting and moving an item renumber the rest.

A closed year's plans are read-only (issue 13; seed 002 §6.2.3, regulation 3.1: the closed
year's journal, whose programme fulfilment they measure, is archived as it is): every write on a
plan of a closed year, or on the plan a closed year's course follows, is refused
(``check_year_open``); copying such a plan into an open year is the way to reuse it.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.school.courses import grade_level_of
from zhurnal.school.models import AcademicYear, Course, GradeLevel, School, Subject
from zhurnal.timetable.models import Lesson, LessonKind

from . import events
from .models import CoursePlan, PlanItem, ThematicPlan

# Positions are moved out of the way through this offset, so that renumbering never meets the
# (plan, position) unique constraint half-way.
_OFFSET = 1_000_000


def _plan_state(plan: ThematicPlan) -> dict:
    return {
        "title": plan.title,
        "subject": plan.subject_id,
        "grade_level": plan.grade_level_id,
        "year": plan.year_id,
        "owner_course": plan.owner_course_id,
    }


def _item_state(item: PlanItem) -> dict:
    return {
        "position": item.position,
        "section": item.section,
        "topic": item.topic,
        "hours": item.hours,
        "kind": item.kind,
        "planned_date": item.planned_date.isoformat() if item.planned_date else None,
    }


def check_year_open(year: AcademicYear) -> None:
    """Refuse a change of a closed year's plans (see the module's docstring); no query when
    the year is loaded with the plan or the course."""
    if year.is_closed:
        raise ValidationError(
            _(
                "The academic year %(title)s is closed: its thematic plans (КТП) are read-only. "
                "Copy the plan into an open year to change it."
            )
            % {"title": year.title},
            code="year_closed",
        )


def _check_same_school(school_id: int, *objects) -> None:
    for obj in objects:
        if obj is not None and obj.school_id != school_id:
            raise ValidationError(_("The record belongs to another school."))


@transaction.atomic
def create_plan(
    *,
    school: School,
    year: AcademicYear,
    subject: Subject,
    grade_level: GradeLevel,
    title: str,
    owner_course: Course | None = None,
    actor: Actor,
) -> ThematicPlan:
    """A new empty plan: a base plan of the parallel, or a course's own copy."""
    _check_same_school(school.pk, year, subject, grade_level, owner_course)
    check_year_open(year)
    if owner_course is not None and (
        owner_course.subject_id != subject.pk or owner_course.year_id != year.pk
    ):
        raise ValidationError(_("A course's own plan is of the course's subject and year."))
    title = title.strip()
    if not title:
        raise ValidationError(_("Give the plan a title."))
    if owner_course is None and _base_title_taken(school, year, subject, grade_level, title):
        raise ValidationError(
            _("A plan of this subject and grade level with the title «%(title)s» already exists.")
            % {"title": title}
        )
    plan = ThematicPlan.objects.create(
        school=school,
        year=year,
        subject=subject,
        grade_level=grade_level,
        title=title[:200],
        owner_course=owner_course,
    )
    events.plan_created(plan, actor=actor, after=_plan_state(plan))
    return plan


def _base_title_taken(school, year, subject, grade_level, title, exclude=None) -> bool:
    taken = ThematicPlan.objects.filter(
        school=school,
        year=year,
        subject=subject,
        grade_level=grade_level,
        title=title,
        owner_course__isnull=True,
    )
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    return taken.exists()


@transaction.atomic
def rename_plan(*, plan: ThematicPlan, title: str, actor: Actor) -> ThematicPlan:
    check_year_open(plan.year)
    title = title.strip()
    if not title:
        raise ValidationError(_("Give the plan a title."))
    if plan.owner_course_id is None and _base_title_taken(
        plan.school, plan.year, plan.subject, plan.grade_level, title, exclude=plan.pk
    ):
        raise ValidationError(
            _("A plan of this subject and grade level with the title «%(title)s» already exists.")
            % {"title": title}
        )
    before = _plan_state(plan)
    plan.title = title[:200]
    plan.save(update_fields=["title", "updated_at"])
    events.plan_changed(
        plan,
        actor=actor,
        before=before,
        after=_plan_state(plan),
    )
    return plan


@transaction.atomic
def delete_plan(*, plan: ThematicPlan, actor: Actor) -> None:
    """Delete a plan nobody follows and no lesson is linked to (the links are the record)."""
    check_year_open(plan.year)
    followers = CoursePlan.objects.filter(plan=plan).count()
    if followers:
        raise ValidationError(
            _("%(n)s course(s) follow this plan: choose another plan for them first.")
            % {"n": followers}
        )
    linked = Lesson.objects.filter(plan_item__plan=plan).count()
    if linked:
        raise ValidationError(
            _("%(n)s lesson(s) are linked to items of this plan; it cannot be deleted.")
            % {"n": linked}
        )
    events.plan_deleted(plan, actor=actor, before=_plan_state(plan))
    plan.delete()


def _validate_item(item: PlanItem) -> None:
    item.topic = item.topic.strip()
    item.section = item.section.strip()
    if not item.topic:
        raise ValidationError(_("Give the topic of the item."))
    if not (1 <= int(item.hours or 0) <= 40):
        raise ValidationError(_("Hours of an item are from 1 to 40."))
    if item.kind not in LessonKind.values:
        raise ValidationError(_("Unknown kind of lesson."))


def _shift(plan: ThematicPlan, from_position: int, delta: int) -> None:
    """Move every item at ``from_position`` or later by ``delta`` (through the offset)."""
    items = PlanItem.objects.filter(plan=plan, position__gte=from_position)
    items.update(position=F("position") + _OFFSET)
    PlanItem.objects.filter(plan=plan, position__gte=_OFFSET).update(
        position=F("position") - _OFFSET + delta
    )


@transaction.atomic
def add_item(
    *,
    plan: ThematicPlan,
    topic: str,
    hours: int = 1,
    section: str = "",
    kind: str = LessonKind.LESSON,
    planned_date: date | None = None,
    position: int | None = None,
    actor: Actor,
) -> PlanItem:
    """Add an item at the end, or at ``position`` (the items from there move one down)."""
    check_year_open(plan.year)
    ThematicPlan.objects.select_for_update().filter(pk=plan.pk, school_id=plan.school_id).first()
    last = PlanItem.objects.filter(plan=plan).aggregate(m=Max("position"))["m"] or 0
    item = PlanItem(
        school_id=plan.school_id,
        plan=plan,
        topic=topic,
        hours=hours,
        section=section,
        kind=kind,
        planned_date=planned_date,
    )
    _validate_item(item)
    if position is None or position > last:
        item.position = last + 1
    else:
        item.position = max(position, 1)
        _shift(plan, item.position, 1)
    item.save()
    events.plan_changed(plan, actor=actor, after={"added": _item_state(item)})
    return item


@transaction.atomic
def update_item(
    *,
    item: PlanItem,
    topic: str,
    hours: int,
    section: str = "",
    kind: str = LessonKind.LESSON,
    planned_date: date | None = None,
    actor: Actor,
) -> PlanItem:
    check_year_open(item.plan.year)
    before = _item_state(PlanItem.objects.get(pk=item.pk))
    item.topic, item.hours, item.section, item.kind = topic, hours, section, kind
    item.planned_date = planned_date
    _validate_item(item)
    item.save()
    events.plan_changed(
        item.plan,
        actor=actor,
        before={"item": before},
        after={"item": _item_state(item)},
    )
    return item


@transaction.atomic
def delete_item(*, item: PlanItem, actor: Actor) -> None:
    """Delete an item no lesson is linked to; the items after it move up."""
    check_year_open(item.plan.year)
    linked = Lesson.objects.filter(plan_item=item).count()
    if linked:
        raise ValidationError(
            _(
                "%(n)s lesson(s) are linked to item %(position)s: link them to another item "
                "before deleting it."
            )
            % {"n": linked, "position": item.position}
        )
    plan, position = item.plan, item.position
    events.plan_changed(
        plan,
        actor=actor,
        before={"deleted": _item_state(item)},
    )
    item.delete()
    _shift(plan, position + 1, -1)


@transaction.atomic
def move_item(*, item: PlanItem, position: int, actor: Actor) -> PlanItem:
    """Move an item to ``position`` (1..n); the items between shift by one."""
    check_year_open(item.plan.year)
    ids = list(
        PlanItem.objects.filter(plan_id=item.plan_id)
        .order_by("position")
        .values_list("id", flat=True)
    )
    position = min(max(position, 1), len(ids))
    old = item.position
    if position == old:
        return item
    ids.remove(item.pk)
    ids.insert(position - 1, item.pk)
    PlanItem.objects.filter(plan_id=item.plan_id).update(position=F("position") + _OFFSET)
    items = PlanItem.objects.in_bulk(ids)
    for number, pk in enumerate(ids, start=1):
        items[pk].position = number
    PlanItem.objects.bulk_update(items.values(), ["position"])
    item.position = position
    events.plan_changed(
        item.plan,
        actor=actor,
        before={"moved": item.topic, "position": old},
        after={"position": position},
    )
    return item


@transaction.atomic
def copy_plan(
    *,
    source: ThematicPlan,
    year: AcademicYear,
    title: str,
    owner_course: Course | None = None,
    actor: Actor,
) -> ThematicPlan:
    """Copy a plan with its items: from last year into this one, from another course's plan,
    or as a course's own copy (which the course then follows). Planned dates are kept within
    the same year and dropped across years (last year's dates mean nothing now)."""
    _check_same_school(source.school_id, year, owner_course)
    grade_level = source.grade_level
    if owner_course is not None:
        if owner_course.subject_id != source.subject_id:
            raise ValidationError(_("The plan is of another subject than the course."))
        year = owner_course.year
        grade_level = grade_level_of(owner_course) or grade_level
    plan = create_plan(
        school=source.school,
        year=year,
        subject=source.subject,
        grade_level=grade_level,
        title=title,
        owner_course=owner_course,
        actor=actor,
    )
    same_year = source.year_id == year.pk
    PlanItem.objects.bulk_create(
        PlanItem(
            school_id=plan.school_id,
            plan=plan,
            position=item.position,
            section=item.section,
            topic=item.topic,
            hours=item.hours,
            kind=item.kind,
            planned_date=item.planned_date if same_year else None,
        )
        for item in PlanItem.objects.filter(plan=source).order_by("position")
    )
    events.plan_changed(
        plan,
        actor=actor,
        after={"copied_from": source.pk, "source": str(source)},
    )
    if owner_course is not None:
        choose_plan(course=owner_course, plan=plan, actor=actor)
    return plan


@transaction.atomic
def choose_plan(*, course: Course, plan: ThematicPlan | None, actor: Actor) -> None:
    """The plan a course follows: a base plan of its subject and year, or its own copy."""
    check_year_open(course.year)
    current = CoursePlan.objects.filter(course=course).first()
    before = {"plan": current.plan_id if current else None}
    if plan is None:
        if current is not None:
            current.delete()
    else:
        _check_same_school(course.school_id, plan)
        if plan.subject_id != course.subject_id or plan.year_id != course.year_id:
            raise ValidationError(_("The plan is of another subject or year than the course."))
        if plan.owner_course_id is not None and plan.owner_course_id != course.pk:
            raise ValidationError(_("This plan is another course's own copy."))
        if current is None:
            CoursePlan.objects.create(school_id=course.school_id, course=course, plan=plan)
        elif current.plan_id != plan.pk:
            current.plan = plan
            current.save(update_fields=["plan"])
    events.course_plan_chosen(
        course,
        actor=actor,
        before=before,
        after={"plan": plan.pk if plan else None, "title": str(plan) if plan else None},
    )
