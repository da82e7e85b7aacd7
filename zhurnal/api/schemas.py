"""Response schemas of the API (documented in /api/v1/openapi.json)."""

from datetime import date

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    """An answer the endpoint builds field by field (the big read models: the diary, the
    journal). A plain pydantic model: ninja's ``Schema`` wraps every nested object in a
    ``DjangoGetter`` and validates it again, once when it is built and once when the answer
    is sent — for a diary week's ~40 lessons with their marks that was a sixth of the call
    (docs/performance.md). Built objects are taken as they are."""

    model_config = ConfigDict(from_attributes=True)


class TermRef(Out):
    """A term, shared by the diary and the assessment schedule: one component name, one
    schema (issue 16, finding 3)."""

    id: int
    number: int
    kind: str
    start: date
    end: date


class AttachmentOut(Out):
    """A stored file of a homework or a message."""

    id: int
    name: str
    size: int = Field(description="Bytes")
    download: str = Field(description="The API path of the file (the same bearer token)")


class Ref(Schema):
    id: int
    name: str


class ClassRef(Schema):
    id: int
    name: str = Field(description="e.g. '5А'")
    year_id: int


class PersonName(Schema):
    id: int
    last_name: str
    first_name: str
    middle_name: str
    short_name: str = Field(description="'Иванова А. П.'")


# --- /me and /schools ------------------------------------------------------------------------


class ChildOut(Schema):
    id: int = Field(description="Student card id")
    last_name: str
    first_name: str
    middle_name: str
    school_class: ClassRef | None = Field(description="The class today, if enrolled")


class MeSchoolOut(Schema):
    id: int
    name: str
    short_name: str
    roles: list[str]
    led_classes: list[ClassRef] = Field(
        description="Classes of current and coming years the user is class teacher of"
    )
    children: list[ChildOut] = Field(description="For parents: their children in this school")
    student_id: int | None = Field(description="For students of login age: their own card id")


class MeOut(Schema):
    id: int
    username: str
    last_name: str
    first_name: str
    middle_name: str
    display_name: str
    schools: list[MeSchoolOut]


class SchoolOut(Schema):
    id: int
    name: str
    short_name: str
    timezone: str
    week_days: int
    roles: list[str]


# --- structure -------------------------------------------------------------------------------


class TermOut(Schema):
    id: int
    kind: str
    number: int
    start: date
    end: date


class HolidayOut(Schema):
    id: int
    title: str
    start: date
    end: date
    grade_levels: list[int] = Field(description="Grade numbers; empty for the whole school")


class YearOut(Schema):
    id: int
    title: str
    start: date
    end: date


class YearWithCalendarOut(YearOut):
    terms: list[TermOut]
    holidays: list[HolidayOut]


class GradeLevelOut(Schema):
    id: int
    number: int
    term_kind: str


class SubjectOut(Schema):
    id: int
    name: str
    short_name: str


class GroupOut(Schema):
    id: int
    name: str
    school_class_id: int | None
    subject_id: int | None


class CurriculumLineOut(Schema):
    id: int
    subject_id: int
    grade_level_id: int
    grade: int
    school_class_id: int | None
    hours_per_week: float


class CourseOut(Schema):
    id: int
    subject: Ref
    kind: str
    hours_per_week: float
    school_class_id: int | None
    group_id: int | None
    audience: str = Field(description="The class or group name")
    teachers: list[PersonName]


class StructureOut(Schema):
    school: Ref
    years: list[YearWithCalendarOut]
    year_id: int | None = Field(description="The year of the groups, curriculum and courses")
    grade_levels: list[GradeLevelOut]
    subjects: list[SubjectOut]
    groups: list[GroupOut]
    curriculum: list[CurriculumLineOut]
    courses: list[CourseOut]


# --- classes ---------------------------------------------------------------------------------


class ClassOut(Schema):
    id: int
    name: str
    grade: int
    letter: str
    room: str
    class_teacher: PersonName | None
    student_count: int = Field(description="Students enrolled on the list's date")


class ClassListOut(Schema):
    year: YearOut | None
    on: date | None = Field(description="The date the student counts are for")
    classes: list[ClassOut]


class RosterStudentOut(PersonName):
    # Personal data (152-FZ): filled only for roles that may open the student's card.
    gender: str | None = None
    birth_date: date | None = None
    personal_file_number: str | None = None


class ClassDetailOut(Schema):
    id: int
    name: str
    grade: int
    letter: str
    room: str
    year: YearOut
    class_teacher: PersonName | None
    on: date
    students: list[RosterStudentOut]


# --- staff -----------------------------------------------------------------------------------


class PositionOut(Schema):
    title: str
    start: date | None
    end: date | None


class StaffOut(PersonName):
    staff_number: str
    is_active: bool
    positions: list[PositionOut]
    # Personal data (152-FZ): filled only for roles that may open staff cards.
    birth_date: date | None = None
    phone: str | None = None
    email: str | None = None
