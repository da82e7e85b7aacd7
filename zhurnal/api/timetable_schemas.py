"""Schemas of the timetable endpoints: lessons, a course's plan, and the lesson changes."""

from datetime import date
from typing import Annotated

from ninja import Field, Schema
from pydantic import WithJsonSchema

from .params import Id
from .schemas import Out, Ref

# A clock time with its offset from UTC, as RFC 3339 writes it ("10:30:00+03:00"): a string
# built by the endpoint, since JSON encoders refuse an aware ``time``.
ClockTime = Annotated[str, WithJsonSchema({"type": "string", "format": "time"})]


class TeacherRef(Out):
    id: int = Field(description="Staff id")
    short_name: str = Field(description="'Петрова А. И.'")


class LessonCourseOut(Out):
    id: int
    subject: Ref
    audience: str = Field(description="The class ('6Б') or the group ('5А: Англ. 1')")
    school_class_id: int | None
    group_id: int | None


class LessonOut(Out):
    id: int
    date: date
    number: int = Field(description="Lesson number of the day (bell schedule)")
    starts_at: ClockTime | None = Field(
        description="Local time with the school time zone's UTC offset on that day"
    )
    ends_at: ClockTime | None
    room: str
    course: LessonCourseOut
    teacher: TeacherRef = Field(description="Who teaches the lesson (the substitute, if any)")
    substitute_for: TeacherRef | None = Field(
        description="Set for a substitution: the course teacher replaced"
    )
    substitution_reason: str
    status: str = Field(description="'planned' or 'cancelled'")
    cancel_reason: str
    kind: str = Field(description="lesson, lab, practical, test, excursion")
    topic: str
    plan_item_id: int | None


class TimetableOut(Out):
    start: date
    end: date
    timezone: str = Field(description="The school's time zone of starts_at/ends_at")
    lessons: list[LessonOut]


class PlanItemLessonOut(Out):
    id: int
    date: date


class PlanItemOut(Out):
    id: int
    position: int
    section: str
    topic: str
    hours: int
    kind: str
    planned_date: date | None
    lessons: list[PlanItemLessonOut] = Field(
        description="The course's lessons (not cancelled) linked to this item"
    )
    covered: bool = Field(description="A linked lesson has taken place (dated today or before)")


class PlanOut(Out):
    id: int
    title: str
    owner_course_id: int | None = Field(description="Set for the course's own copy")


class CoursePlanOut(Out):
    course_id: int
    plan: PlanOut | None = Field(description="null when the course has chosen no plan")
    planned_hours: int
    covered_items: int
    items: list[PlanItemOut]


class TopicIn(Schema):
    topic: str = Field("", max_length=500)
    plan_item_id: Id | None = Field(
        None, description="The plan item the lesson covers; its topic is used if topic is empty"
    )


class SubstitutionIn(Schema):
    teacher_id: Id = Field(description="Staff id of the substitute")
    reason: str = Field("", max_length=200)


class CancellationIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class UncoveredItemOut(Out):
    id: int
    position: int
    section: str
    topic: str
    hours: int
    covered: int = Field(description="Hours of the item covered by held lessons linked to it")
    planned_date: date | None


class FulfilmentOut(Out):
    """Programme fulfilment of a course for its academic year up to `day` (inclusive)."""

    course_id: int
    plan_id: int | None = Field(description="The plan the course follows; null without a plan")
    day: date
    plan_hours: int = Field(description="Total hours of the plan")
    scheduled: int = Field(description="Lessons from the timetable up to the day, cancelled too")
    planned: int = Field(description="Hours planned to date (scheduled, capped at plan_hours)")
    held: int = Field(description="Lessons held up to the day (not cancelled, extra included)")
    extra: int = Field(description="Of the held lessons, extra ones (outside the timetable)")
    cancelled: int
    covered: int = Field(description="Plan hours covered by held lessons linked to items")
    lag: int = Field(description="Lessons behind the plan: planned − held; negative is ahead")
    lessons_left: int = Field(description="Lessons not cancelled after the day, to the year end")
    can_finish: bool = Field(description="Enough lessons are left to cover the rest of the plan")
    not_covered: list[UncoveredItemOut] = Field(
        description="Items due by the day (in order or by planned date) not fully covered"
    )


class FulfilmentRowOut(Out):
    course: LessonCourseOut
    fulfilment: FulfilmentOut
