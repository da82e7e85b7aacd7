"""The year-end checklist (issue 13; seed 002 regulation 3.1: "final marks checked" before the
year is closed, §6.2.3): what is still missing in the journals of a year, per class and per
course, each gap with the page where it is fixed.

The checks, on the reference day (today, or the year's last day once it is over):

* year marks: every student on a graded course's list on the reference day has one;
* term marks: every student on a graded course's list on a finished term's last day has one
  for that term (the terms the course's grade level follows);
* topics: every held lesson up to the reference day has its topic;
* attendance: every held lesson up to the reference day has its roll call;
* the КТП: a course that follows a plan covered all its hours (before the year's end, the
  hours due so far);
* remarks: no deputy's remark on a course's journal is still open or waiting to be checked.

A graded course is a regular, elective or home-schooling course on a scale with marks (not the
"no marks" scale of grade 1, not extracurricular or additional education).

``checklist`` reads a whole school (or one class) in a fixed number of queries whatever its
size: 13 (see its docstring)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, TextChoices
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from zhurnal.audit.models import AuditAction, AuditEvent
from zhurnal.journal.models import PeriodKind, PeriodMark, RollCall
from zhurnal.journal.policy import policy_of, scale_of, with_scale_rule
from zhurnal.journal.scales import ScaleKind
from zhurnal.oversight.models import JournalRemark, RemarkStatus
from zhurnal.planning.models import ThematicPlan
from zhurnal.planning.queries import fulfilment_by_course
from zhurnal.school.calendar import terms_of_level
from zhurnal.school.courses import COURSE_PLACE, class_of_course, grade_level_of, of_class
from zhurnal.school.models import (
    AcademicYear,
    Course,
    CourseKind,
    Enrollment,
    GroupMembership,
    School,
    SchoolClass,
    Student,
    Term,
)
from zhurnal.school.rosters import enrolled_on
from zhurnal.timetable.models import Lesson, LessonStatus

GRADED_KINDS = (CourseKind.REGULAR, CourseKind.ELECTIVE, CourseKind.HOME)


class GapKind(TextChoices):
    YEAR_MARKS = "year_marks", gettext_lazy("year marks missing")
    TERM_MARKS = "term_marks", gettext_lazy("term marks missing")
    TOPICS = "topics", gettext_lazy("held lessons without a topic")
    ATTENDANCE = "attendance", gettext_lazy("held lessons without attendance taken")
    PLAN = "plan", gettext_lazy("thematic plan (КТП) not fulfilled, hours")
    REMARKS = "remarks", gettext_lazy("remarks on the journal not closed")


@dataclass(frozen=True)
class Gap:
    """One kind of gap in one course: how many (students, lessons, hours or remarks), the
    students concerned (marks), and the term (term marks)."""

    kind: str
    course: Course
    count: int
    students: tuple[str, ...] = ()
    term: Term | None = None

    @property
    def label(self) -> str:
        return GapKind(self.kind).label

    @property
    def page(self) -> tuple[str, str]:
        """Where the gap is fixed: the page's address and what is done there (the links of
        the class's checklist and the API's ``url``)."""
        course_id = self.course.pk
        if self.kind == GapKind.TERM_MARKS:
            url = f"{reverse('journal:course', args=[course_id])}?term={self.term.pk}"
            return url, _("enter the term marks")
        name, action = GAP_PAGES[self.kind]
        return reverse(name, args=[course_id]), str(action)


# The page of each kind of gap (the term marks: the journal at the gap's term) and its action.
GAP_PAGES = {
    GapKind.YEAR_MARKS: ("journal:course", gettext_lazy("enter the year marks")),
    GapKind.TOPICS: ("lessons:course", gettext_lazy("enter the topics")),
    GapKind.ATTENDANCE: ("journal:course", gettext_lazy("take the attendance")),
    GapKind.PLAN: ("lessons:fulfilment", gettext_lazy("programme fulfilment")),
    GapKind.REMARKS: ("oversight:journal_remarks", gettext_lazy("the remarks")),
}


@dataclass
class ClassChecklist:
    """The gaps of one class's courses (its own and its subgroups'); ``school_class`` None for
    the cross-class groups."""

    school_class: SchoolClass | None
    gaps: list[Gap] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Per kind of gap, the sum of its counts (every kind present, 0 when complete)."""
        totals = dict.fromkeys(GapKind.values, 0)
        for gap in self.gaps:
            totals[gap.kind] += gap.count
        return totals

    @property
    def count_list(self) -> list[int]:
        """The counts in the order of ``GapKind`` (the columns of the school's table)."""
        counts = self.counts()
        return [counts[kind] for kind in GapKind.values]

    @property
    def complete(self) -> bool:
        return not self.gaps


@dataclass
class Checklist:
    year: AcademicYear
    day: date  # the reference day
    classes: list[ClassChecklist]

    @property
    def gaps(self) -> list[Gap]:
        return [gap for row in self.classes for gap in row.gaps]

    @property
    def complete(self) -> bool:
        return not self.gaps

    def counts(self) -> dict[str, int]:
        totals = dict.fromkeys(GapKind.values, 0)
        for row in self.classes:
            for kind, n in row.counts().items():
                totals[kind] += n
        return totals


def reference_day(year: AcademicYear, today: date) -> date:
    """The day the checklist is read on: today, or the year's last day once it is over."""
    return min(today, year.end)


def _is_graded(course: Course, policy) -> bool:
    return course.kind in GRADED_KINDS and scale_of(course, policy) != ScaleKind.NONE


def _lists(year: AcademicYear, school_class: SchoolClass | None) -> tuple[dict, dict, dict]:
    """The dated lists of the year's classes and groups (one query each) and the students'
    short names: ``({class_id: [(student, start, end)]}, {group_id: [...]}, {student: name})``."""
    names: dict[int, str] = {}
    by_class: dict[int, list] = defaultdict(list)
    by_group: dict[int, list] = defaultdict(list)
    fields = ("student__last_name", "student__first_name", "student__middle_name")
    enrollments = Enrollment.objects.filter(school_class__year=year)
    memberships = GroupMembership.objects.filter(group__year=year)
    if school_class is not None:
        enrollments = enrollments.filter(school_class=school_class)
        memberships = memberships.filter(group__school_class=school_class)
    for target, rows, ref in (
        (by_class, enrollments, "school_class_id"),
        (by_group, memberships, "group_id"),
    ):
        for ref_id, student_id, start, end, last, first, middle in rows.values_list(
            ref, "student_id", "start", "end", *fields
        ).order_by():
            target[ref_id].append((student_id, start, end))
            initials = "".join(f"{p[0]}." for p in (first, middle) if p)
            names[student_id] = f"{last} {initials}".strip()
    return by_class, by_group, names


def _on_list(rows: list, day: date) -> list[int]:
    return [sid for sid, start, end in rows if start <= day and (end is None or day <= end)]


def checklist(
    school: School, year: AcademicYear, today: date, *, school_class: SchoolClass | None = None
) -> Checklist:
    """The year-end checklist of a school's year, or of one class (its own and its subgroups'
    courses). 13 queries whatever the number of classes, students and lessons: classes, terms,
    courses, enrollments, group memberships, period marks, the lessons' counts, the remarks,
    the plans' fulfilment (four), and the policy when the school was loaded without it."""
    day = reference_day(year, today)
    policy = policy_of(school)
    classes = SchoolClass.objects.filter(school=school, year=year).select_related("grade_level")
    courses = with_scale_rule(
        Course.objects.filter(school=school, year=year).select_related("subject", *COURSE_PLACE)
    ).order_by("subject__name", "pk")
    if school_class is not None:
        classes = classes.filter(pk=school_class.pk)
        courses = courses.filter(of_class(school_class))
    rows = {c.pk: ClassChecklist(c) for c in classes.order_by("grade_level__number", "letter")}
    cross = ClassChecklist(None)
    terms = list(Term.objects.filter(year=year).order_by("start"))
    courses = list(courses)
    ids = [c.pk for c in courses]
    by_class, by_group, names = _lists(year, school_class)
    entered: set[tuple] = set(
        PeriodMark.objects.filter(
            course_id__in=ids, kind__in=(PeriodKind.TERM, PeriodKind.YEAR)
        ).values_list("course_id", "student_id", "kind", "term_id")
    )
    held = Q(date__lte=day) & ~Q(status=LessonStatus.CANCELLED)
    # A roll call looked up per lesson, not outer-joined: PostgreSQL hashed a region's
    # millions of roll calls for the join (0.9 s on the 335,000-student region).
    roll_call = RollCall.objects.filter(school_id=year.school_id, lesson_id=OuterRef("pk"))
    lessons = {
        row["course_id"]: row
        for row in Lesson.objects.filter(school_id=year.school_id, course_id__in=ids)
        .values("course_id")
        .annotate(
            no_topic=Count("id", filter=held & Q(topic="")),
            no_roll_call=Count("id", filter=held & ~Exists(roll_call)),
        )
        .order_by()
    }
    remarks = dict(
        JournalRemark.objects.filter(course_id__in=ids)
        .exclude(status=RemarkStatus.ACCEPTED)
        .values("course_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("course_id", "n")
    )
    fulfilment = fulfilment_by_course(courses, day)

    for course in courses:
        own = class_of_course(course)
        row = rows.get(own.pk) if own is not None else cross
        if row is None:
            continue  # a course of this year taught to a class of another year
        gaps = row.gaps
        roster = by_group[course.group_id] if course.group_id else by_class[course.school_class_id]
        if _is_graded(course, policy):
            missing = [
                s for s in _on_list(roster, day) if (course.pk, s, "year", None) not in entered
            ]
            if missing:
                gaps.append(_marks_gap(GapKind.YEAR_MARKS, course, missing, names))
            for term in terms_of_level(terms, grade_level_of(course)):
                if term.end > day:
                    continue
                missing = [
                    s
                    for s in _on_list(roster, term.end)
                    if (course.pk, s, "term", term.pk) not in entered
                ]
                if missing:
                    gaps.append(_marks_gap(GapKind.TERM_MARKS, course, missing, names, term))
        counts = lessons.get(course.pk, {})
        for kind, key in ((GapKind.TOPICS, "no_topic"), (GapKind.ATTENDANCE, "no_roll_call")):
            if counts.get(key):
                gaps.append(Gap(kind, course, counts[key]))
        hours = _plan_hours_behind(fulfilment.get(course.pk), year, day)
        if hours:
            gaps.append(Gap(GapKind.PLAN, course, hours))
        if remarks.get(course.pk):
            gaps.append(Gap(GapKind.REMARKS, course, remarks[course.pk]))
    listed = list(rows.values())
    if cross.gaps:
        listed.append(cross)
    return Checklist(year=year, day=day, classes=listed)


def _plan_hours_behind(done, year: AcademicYear, day: date) -> int:
    """The КТП hours not covered: at the year's end, every hour of the plan; before it, the
    hours due by the day (the items the lessons so far should have covered)."""
    if done is None or not done.plan_id:
        return 0
    if day >= year.end:
        return done.remaining
    return sum(item.hours - item.covered for item in done.not_covered)


def _marks_gap(kind, course, missing, names, term=None) -> Gap:
    students = tuple(sorted(names.get(s, str(s)) for s in missing))
    return Gap(kind, course, len(missing), students, term)


@dataclass(frozen=True)
class YearState:
    """Whether a year is closed, when and by whom (the last closing in the audit trail)."""

    year: AcademicYear
    closed_by: object | None  # the user who closed it, None while it is open


def year_state(year: AcademicYear) -> YearState:
    """The year's closing: its flag, and its closer read from the audit trail (one query,
    none while the year is open)."""
    if not year.is_closed:
        return YearState(year, None)
    event = (
        AuditEvent.objects.filter(
            school_id=year.school_id,
            action=AuditAction.YEAR_CLOSED,
            object_type=AcademicYear._meta.label_lower,
            object_id=str(year.pk),
        )
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    return YearState(year, event.actor if event is not None else None)


def years_of(school: School):
    """The school's years, the latest first (the checklist's and the promotion's choice)."""
    return AcademicYear.objects.filter(school=school).order_by("-start")


def default_year(school: School, today: date) -> AcademicYear | None:
    """The year whose end is being prepared: the latest year begun by today (in summer, the
    one just over, not the coming one), else the first."""
    years = years_of(school)
    return years.filter(start__lte=today).first() or years.last()


# --- the next year and the promotion (their preview) -----------------------------------------


def shift_year(day: date) -> date:
    """The same day a year later (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def next_title(year: AcademicYear) -> str:
    """The next year's title: «2026/2027» → «2027/2028»; else by the shifted dates."""
    parts = year.title.replace(" ", "").split("/")
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return f"{int(parts[0]) + 1}/{int(parts[1]) + 1}"
    return f"{year.start.year + 1}/{year.end.year + 1}"


@dataclass(frozen=True)
class NextYear:
    """What creating the next year would make (or, when it exists, the year itself)."""

    title: str
    start: date
    end: date
    terms: list[tuple[Term, date, date]]
    holidays: int
    curriculum: int
    plans: int
    existing: AcademicYear | None


def next_year_of(year: AcademicYear) -> AcademicYear | None:
    """The next year made from ``year`` (``next_title``), if it exists yet. One query."""
    return AcademicYear.objects.filter(school_id=year.school_id, title=next_title(year)).first()


def next_year_preview(year: AcademicYear) -> NextYear:
    """The preview of ``services.create_next_year``. Five queries."""
    title = next_title(year)
    return NextYear(
        title=title,
        start=shift_year(year.start),
        end=shift_year(year.end),
        terms=[
            (t, shift_year(t.start), shift_year(t.end))
            for t in Term.objects.filter(year=year).order_by("start")
        ],
        holidays=year.holidays.count(),
        curriculum=year.curriculum.filter(school_class__isnull=True).count(),
        plans=ThematicPlan.objects.filter(year=year, owner_course__isnull=True).count(),
        existing=AcademicYear.objects.filter(school_id=year.school_id, title=title).first(),
    )


def renamed(name: str, old: str, new: str) -> str:
    """A subgroup's name in the class a student goes to («5А: английский, гр. 1» → «6А: …»):
    the old class's name ``old`` replaced by ``new``, or ``new`` put in front."""
    if old in name:
        return name.replace(old, new)
    return f"{new}: {name}"


def regraded(name: str, grade: int, new_grade: int) -> str:
    """A cross-class group's name in the new year: the old grade where the name gives it
    («Информатика, 9 кл.» → «…, 10 кл.», «9А/9Б: физика» → «10А/10Б: …»), else unchanged."""
    return re.sub(rf"(?<!\d){grade}(?=\s*кл|[А-ЯЁ](?![а-яё]))", str(new_grade), name)


class Decision(TextChoices):
    PROMOTE = "promote", gettext_lazy("promote to the next grade")
    CONDITIONAL = "conditional", gettext_lazy("promote conditionally (academic debt)")
    KEEP = "keep", gettext_lazy("keep down in the same grade")
    GRADUATE = "graduate", gettext_lazy("graduate (leaves the school)")


PROMOTED = (Decision.PROMOTE, Decision.CONDITIONAL)
GRADUATION_GRADES = (9, 11)
LAST_GRADE = 11


@dataclass(frozen=True)
class Step:
    """What happens to one student: the decision, the class they go to (none for a graduate)
    and the note kept with the order's movement."""

    student: Student
    decision: str
    target_name: str
    note: str

    @property
    def decision_label(self) -> str:
        return Decision(self.decision).label


@dataclass(frozen=True)
class CarriedGroup:
    """A group the students take into the next year: its name now and there, how many."""

    name: str
    next_name: str
    students: int


@dataclass
class PromotionPlan:
    """The preview of a class's promotion: the steps to take, the students already moved by
    an earlier run (``done``: name and where), and the errors that refuse it all. ``new_year``
    is None while the next year is not created: the preview stands, the promotion waits."""

    school_class: SchoolClass
    new_year: AcademicYear | None
    grade: int
    target_name: str
    steps: list[Step] = field(default_factory=list)
    done: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    groups: list[CarriedGroup] = field(default_factory=list)

    def outcome(self) -> dict[str, int]:
        counts = dict.fromkeys(Decision.values, 0)
        for step in self.steps:
            counts[step.decision] += 1
        return counts


def default_decision(grade: int) -> str:
    """Grade 11 graduates; grade 9 graduates unless the secretary keeps a student on into
    grade 10 (seed 002 §6.2.3: by order); the others go up a grade."""
    return Decision.GRADUATE if grade in GRADUATION_GRADES else Decision.PROMOTE


def class_students(school_class: SchoolClass) -> list[tuple[Student, Enrollment]]:
    """The students on the class's list at the year's end, with their enrollment (open while
    not yet promoted), alphabetically. One query."""
    end = school_class.year.end
    rows = (
        Enrollment.objects.filter(school_class=school_class, start__lte=end)
        .filter(Q(end__isnull=True) | Q(end__gte=end))
        .select_related("student")
        .order_by("student__last_name", "student__first_name", "student__middle_name", "pk")
    )
    return [(row.student, row) for row in rows]


def promotion_plan(
    *,
    school_class: SchoolClass,
    new_year: AcademicYear | None,
    decisions: dict[int, tuple[str, str]],
) -> PromotionPlan:
    """The preview of ``services.promote_class`` for a class (``decisions``: a student's id →
    (decision, academic debt) where not the default), also before the next year is created
    (``new_year`` None: nobody is in it yet). Five queries: the class's students, their
    enrollments in the new year, the groups they take along, and for graduates the graded
    courses and final marks."""
    grade = school_class.grade_level.number
    letter = school_class.letter
    plan = PromotionPlan(school_class, new_year, grade, f"{grade + 1}{letter}")
    students = class_students(school_class)
    ids = [s.pk for s, _e in students]
    later: dict[int, list[str]] = defaultdict(list)
    if new_year is not None:
        for student_id, number, other_letter in Enrollment.objects.filter(
            student_id__in=ids, school_class__year=new_year
        ).values_list("student_id", "school_class__grade_level__number", "school_class__letter"):
            later[student_id].append(f"{number}{other_letter}")
    graduates = []
    for student, enrollment in students:
        name = student.short_name
        if enrollment.end is not None:
            place = ", ".join(later[student.pk]) or _("left the school")
            plan.done.append((name, place))
            continue
        decision, debt = decisions.get(student.pk, (default_decision(grade), ""))
        debt = " ".join(debt.split())[:200]
        if decision == Decision.GRADUATE and grade not in GRADUATION_GRADES:
            plan.errors.append(_("%(student)s: only grades 9 and 11 graduate.") % {"student": name})
            continue
        if decision in PROMOTED and grade == LAST_GRADE:
            plan.errors.append(
                _("%(student)s: grade 11 is the last; its students graduate or are kept down.")
                % {"student": name}
            )
            continue
        if decision == Decision.CONDITIONAL and not debt:
            plan.errors.append(
                _("%(student)s: name the academic debt of a conditional promotion.")
                % {"student": name}
            )
            continue
        target = _target(decision, grade, letter)
        others = [c for c in later[student.pk] if c != target]
        if others:
            plan.errors.append(
                _(
                    "%(student)s is already in class %(other)s of %(year)s: the promotion would "
                    "put them in two classes."
                )
                % {"student": name, "other": ", ".join(others), "year": new_year.title}
            )
            continue
        note = _note(decision, grade, debt, student.gender)
        if decision == Decision.GRADUATE:
            graduates.append(student)
        plan.steps.append(Step(student, decision, target, note))
    plan.groups = _groups_carried(school_class, plan)
    plan.errors.extend(_missing_final_marks(school_class, graduates))
    return plan


def _groups_carried(school_class: SchoolClass, plan: PromotionPlan) -> list[CarriedGroup]:
    """The groups ``services.promote_class`` carries into the next year: a promoted student's
    subgroups (named for the class they go to) and cross-class groups (the grade in the name
    raised: ``regraded``), a student kept down's subgroups (named for the class of their grade).
    One query, none when every student graduates."""
    going = {step.student.pk: step for step in plan.steps if step.decision != Decision.GRADUATE}
    if not going:
        return []
    year = school_class.year
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for name, class_id, student_id in (
        GroupMembership.objects.filter(
            enrolled_on(year.end), group__year=year, student_id__in=going
        )
        .filter(Q(group__school_class=school_class) | Q(group__school_class__isnull=True))
        .values_list("group__name", "group__school_class_id", "student_id")
    ):
        step = going[student_id]
        if class_id is not None:
            counts[(name, renamed(name, school_class.name, step.target_name))] += 1
        elif step.decision in PROMOTED:
            counts[(name, regraded(name, plan.grade, plan.grade + 1))] += 1
    return [CarriedGroup(name, next_name, n) for (name, next_name), n in sorted(counts.items())]


def _target(decision: str, grade: int, letter: str) -> str:
    """The name of the class a student goes to in the new year (none for a graduate)."""
    if decision == Decision.GRADUATE:
        return ""
    return f"{grade if decision == Decision.KEEP else grade + 1}{letter}"


# The note kept with a student's movement, per decision: said of a girl, of a boy, and when
# the gender is not recorded («Переведена», «Переведён», «Переведён(а)»; issue 15).
_NOTES = {
    Decision.PROMOTE: (
        pgettext_lazy("female", "Promoted to grade %(grade)s."),
        pgettext_lazy("male", "Promoted to grade %(grade)s."),
        gettext_lazy("Promoted to grade %(grade)s."),
    ),
    Decision.CONDITIONAL: (
        pgettext_lazy(
            "female", "Promoted to grade %(grade)s conditionally, academic debt: %(debt)s."
        ),
        pgettext_lazy(
            "male", "Promoted to grade %(grade)s conditionally, academic debt: %(debt)s."
        ),
        gettext_lazy("Promoted to grade %(grade)s conditionally, academic debt: %(debt)s."),
    ),
    Decision.KEEP: (
        pgettext_lazy("female", "Kept down in grade %(grade)s."),
        pgettext_lazy("male", "Kept down in grade %(grade)s."),
        gettext_lazy("Kept down in grade %(grade)s."),
    ),
    Decision.GRADUATE: (
        pgettext_lazy("female", "Graduated from grade %(grade)s."),
        pgettext_lazy("male", "Graduated from grade %(grade)s."),
        gettext_lazy("Graduated from grade %(grade)s."),
    ),
}


def _note(decision: str, grade: int, debt: str, gender: str = "") -> str:
    """The note kept with the student's movement (the order's wording), agreeing with the
    student's gender in Russian."""
    female, male, unknown = _NOTES[decision]
    text = female if gender == "f" else male if gender == "m" else unknown
    new_grade = grade if decision in (Decision.KEEP, Decision.GRADUATE) else grade + 1
    return str(text) % {"grade": new_grade, "debt": debt}


def _missing_final_marks(school_class: SchoolClass, graduates: list[Student]) -> list[str]:
    """A graduate leaves with a final mark in every graded course of the class they were on at
    the year's end (seed 002 §6.2.3: graduation by order, on the final marks)."""
    if not graduates:
        return []
    year_end = school_class.year.end
    policy = policy_of(school_class.school_id)
    courses = [
        c
        for c in with_scale_rule(
            Course.objects.filter(of_class(school_class), year=school_class.year_id)
            .select_related("subject", *COURSE_PLACE)
            .order_by("subject__name", "pk")
        )
        if _is_graded(c, policy)
    ]
    ids = [s.pk for s in graduates]
    members = set(
        GroupMembership.objects.filter(enrolled_on(year_end), student_id__in=ids).values_list(
            "group_id", "student_id"
        )
    )
    finals = set(
        PeriodMark.objects.filter(
            kind=PeriodKind.FINAL, course__in=courses, student_id__in=ids
        ).values_list("course_id", "student_id")
    )
    errors = []
    for student in graduates:
        missing = [
            c.subject.name
            for c in courses
            if (not c.group_id or (c.group_id, student.pk) in members)
            and (c.pk, student.pk) not in finals
        ]
        if missing:
            errors.append(
                _(
                    "%(student)s graduates without a final mark in: %(subjects)s. Enter the "
                    "final marks first."
                )
                % {"student": student.short_name, "subjects": ", ".join(missing)}
            )
    return errors
