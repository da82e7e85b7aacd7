"""The assessment schedule (график оценочных процедур) through the API: the rows of a term for
the school or one class, and — for staff — the breaches of the federal limits.

Same rules as the pages: ``timetable.view_assessments`` (staff, parents, students) on the
school; a class asked by ``class_id`` needs ``assessments.view_class`` (staff, and the families
of the class); without ``class_id`` parents and students get the classes of their children or
their own only. Eight SQL queries at most for the schedule, whatever the school's size.
"""

from datetime import date

from django.http import HttpRequest
from ninja import Field, Router, Schema

from zhurnal.accounts.access import school_for
from zhurnal.accounts.context import context
from zhurnal.assessments.queries import family_class_ids, school_schedule, year_terms
from zhurnal.core.access import in_school
from zhurnal.school.access import class_for
from zhurnal.school.calendar import current_year, pick_term, school_today
from zhurnal.school.models import Term

from .auth import token_auth
from .errors import COMMON_ERRORS
from .schemas import TermRef

router = Router(auth=token_auth, tags=["assessments"])
PERM = "timetable.view_assessments"


class AssessmentOut(Schema):
    date: date
    number: int | None = Field(
        description="Lesson number of the day; null for a test item planned for that date "
        "in the thematic plan with no lesson linked yet"
    )
    class_id: int
    class_name: str = Field(description="'5А'")
    subject_id: int
    subject: str
    course_id: int
    topic: str
    teacher: str = Field(description="Short name(s) of the teacher")
    lesson_id: int | None
    plan_item_id: int | None


class BreachOut(Schema):
    code: str = Field(description="too_close, too_many, same_day or first_or_last")
    message: str
    date: date
    class_id: int
    subject_id: int | None
    course_ids: list[int]


class AssessmentScheduleOut(Schema):
    term: TermRef | None
    class_ids: list[int] = Field(description="The classes the schedule covers")
    rows: list[AssessmentOut]
    breaches: list[BreachOut] = Field(
        description="Breaches of the federal limits (staff only; empty for parents and students)"
    )


@router.get(
    "/schools/{school_id}/assessments",
    response={200: AssessmentScheduleOut, **COMMON_ERRORS},
    summary="The assessment schedule of a term",
    description=(
        "Assessments (lessons whose plan item is a test, and test items planned for a date) of "
        "a term — `term_id`, default the current term — for the whole school or one class "
        "(`class_id`). Parents and students see the classes of their children or their own. "
        "Breaches of the federal limits (СК-228/03, 01-169/08-01) are given to staff."
    ),
    openapi_extra={"x-permission": PERM},
)
def assessment_schedule(
    request: HttpRequest, school_id: int, term_id: int | None = None, class_id: int | None = None
):
    school = school_for(request.user, school_id, PERM)
    today = school_today(school)
    if term_id is not None:
        term = in_school(school, Term.objects.select_related("year"), pk=term_id)
        year = term.year
    else:
        year = current_year(school, today)
        term = pick_term(year_terms(year), None, today)
    if class_id is not None:
        school_class = class_for(request.user, school, class_id, "assessments.view_class")
        ids = frozenset({school_class.pk})
    else:
        visible = family_class_ids(request.user, school, year)
        ids = visible if visible is not None else None
    if term is None or (ids is not None and not ids):
        return AssessmentScheduleOut(term=None, class_ids=[], rows=[], breaches=[])
    data = school_schedule(school, term, class_ids=ids)
    ctx = context(request.user, school.pk)
    staff = ctx is not None and ctx.is_staff_member
    return AssessmentScheduleOut(
        term=TermRef(
            id=term.pk, kind=term.kind, number=term.number, start=term.start, end=term.end
        ),
        class_ids=[c.pk for c in data.classes],
        rows=[
            AssessmentOut(
                date=r.date,
                number=r.number,
                class_id=r.class_id,
                class_name=r.class_name,
                subject_id=r.subject_id,
                subject=r.subject_name,
                course_id=r.course_id,
                topic=r.topic,
                teacher=r.teacher,
                lesson_id=r.lesson_id,
                plan_item_id=r.plan_item_id,
            )
            for r in data.rows
        ],
        breaches=[
            BreachOut(
                code=b.code,
                message=b.message,
                date=b.date,
                class_id=b.class_id,
                subject_id=b.subject_id,
                course_ids=list(b.course_ids),
            )
            for b in data.breaches
        ]
        if staff
        else [],
    )
