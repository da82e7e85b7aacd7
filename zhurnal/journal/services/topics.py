"""A lesson's topic and the plan item it covers (seed 002: "each lesson: date, topic,
homework"): entered by hand, chosen from the course's thematic plan (КТП), or filled from the
plan ahead for the next lessons. Topics may be entered ahead; the topic is due by 24:00 school
time on the day of the lesson (``JournalPolicy.topic_days``), a first entry after it is
flagged late, and a school that locks entries refuses a locked date's change unless a deputy
unlocked the course."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.planning.models import PlanItem
from zhurnal.planning.queries import PlanSequence, course_plan, needs_record
from zhurnal.school.models import Course
from zhurnal.timetable.events import lesson_state
from zhurnal.timetable.models import Lesson

from .. import deadlines, events
from ..policy import policy_of
from .rules import Moment, check_not_locked


def _topic_late(lesson: Lesson, moment: Moment) -> bool:
    """Whether a topic entered now is late; refused (code ``locked``) when the date is locked.
    Topics entered ahead are neither late nor locked."""
    course = lesson.course
    school = course.school
    policy = policy_of(school)
    deadline = deadlines.record_deadline(policy, lesson.date, school.timezone)
    check_not_locked(policy, course, lesson.date, deadline, moment)
    return deadlines.is_late(deadline, moment.now)


@transaction.atomic
def record_topic(
    *,
    lesson: Lesson,
    topic: str,
    plan_item: PlanItem | None = None,
    actor: Actor,
    moment: Moment | None = None,
) -> Lesson:
    """The lesson's topic and the plan item it covers (an item of the plan the course
    follows); with an item and no typed topic, the item's. Both empty clear the record."""
    if plan_item is not None:
        if plan_item.school_id != lesson.school_id:
            raise ValidationError(_("The record belongs to another school."))
        plan = course_plan(lesson.course)
        if plan is None or plan_item.plan_id != plan.pk:
            raise ValidationError(_("The item is not in the plan the course follows."))
    if lesson.is_cancelled:
        raise ValidationError(_("The lesson is cancelled."))
    topic = topic.strip()
    if not topic and plan_item is not None:
        topic = plan_item.topic
    late = _topic_late(lesson, moment or Moment.of(lesson.course.school))
    before = lesson_state(lesson)
    had_topic = bool(lesson.topic)
    lesson.topic = topic[:500]
    lesson.plan_item = plan_item
    if plan_item is not None:
        lesson.kind = plan_item.kind
    lesson.topic_entered_at = timezone.now() if topic else None
    # Late or not is decided by the first entry: correcting a topic given in time later on
    # does not make it late.
    lesson.topic_late = bool(topic) and (lesson.topic_late if had_topic else late)
    lesson.save(
        update_fields=["topic", "plan_item", "kind", "topic_entered_at", "topic_late", "updated_at"]
    )
    events.topic_set(lesson, before, actor=actor)
    return lesson


def fill_topics(
    *,
    course: Course,
    start: date,
    count: int,
    may_keep: Callable[[Lesson], bool],
    actor: Actor,
) -> list[Lesson]:
    """Fill the next ``count`` lessons without a record from ``start`` on with the plan's
    next items, in order (topics may be entered ahead, seed 002). Only the lessons the actor
    keeps (``may_keep``: the caller's rule, ``timetable.keep_lesson``) are filled, and not
    those of dates the school has locked; each through ``record_topic`` (audited)."""
    if count < 1:
        raise ValidationError(_("Fill at least one lesson."))
    plan = course_plan(course)
    if plan is None:
        raise ValidationError(_("The course follows no thematic plan yet."))
    lessons = list(
        Lesson.objects.filter(course=course).select_related(
            "course__school__journal_policy", "school"
        )
    )
    sequence = PlanSequence.load(course, plan, lessons=lessons)
    filled: list[Lesson] = []
    with transaction.atomic():
        for lesson in sorted(lessons, key=lambda x: (x.date, x.number, x.pk)):
            if len(filled) >= count:
                break
            if lesson.date < start or not needs_record(lesson) or not may_keep(lesson):
                continue
            item = sequence.suggestion(lesson)
            if item is None:
                break
            previous = lesson.plan_item_id
            try:
                record_topic(lesson=lesson, topic="", plan_item=item, actor=actor)
            except ValidationError as error:
                # A date the school has locked is left as it is; the refusal comes before
                # any write.
                if error.code == "locked":
                    continue
                raise
            sequence.assign(lesson, item, previous=previous)
            filled.append(lesson)
    return filled
