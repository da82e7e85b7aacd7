"""The school's OneRoster 1.2 package (CSV binding, bulk; issue 17 item 3): the records of one
academic year read in a fixed number of SQL queries whatever the school's size (see
``QUERIES``), mapped to OneRoster's model (docs/oneroster.md) and written as the zip of CSV
files the specification describes (``spec.py``).

Formats (CSV Binding 1.2.1, §2 and §3): UTF-8 CSV (RFC 4180), a header row in the order of the
specification's table; dates ``YYYY-MM-DD``; booleans ``true``/``false``; a list
(``termSourcedIds``, ``agentSourcedIds``, ``grades``) comma-separated in one field; a file
without data rows is not written and is ``absent`` in the manifest, every written one ``bulk``,
so its rows leave ``status`` and ``dateLastModified`` blank (``spec.BULK_BLANK``).

sourcedIds are UUIDs (version 5) derived from the kind of record and its id in Zhurnal, under
the deployment's namespace (``ZHURNAL_ONEROSTER_NAMESPACE``): the same record has the same
sourcedId in every export, and two deployments never collide."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone

from zhurnal.accounts.models import Membership, Role
from zhurnal.core.spreadsheets import csv_value
from zhurnal.journal.models import GradeColumn, Mark, PeriodKind, PeriodMark, WorkType
from zhurnal.journal.policy import policy_of, with_scale_rule
from zhurnal.journal.scales import FAILED, NUMERIC_RANGES, PASSED, ScaleKind, Special
from zhurnal.school.calendar import terms_of_level
from zhurnal.school.models import (
    AcademicYear,
    Course,
    Enrollment,
    Gender,
    GradeLevel,
    GroupMembership,
    School,
    Staff,
    Student,
    StudentGuardian,
    Term,
    TermKind,
)

from . import spec
from .models import ExchangePolicy

# The statements ``package`` runs, whatever the school's size (asserted in the tests).
QUERIES = 20

SYSTEM_NAME = "Zhurnal"
SYSTEM_CODE = "zhurnal"

# OneRoster's session type for each kind of Zhurnal term (§4.x academicSessions type): a half
# year is a semester; quarters and trimesters are terms.
SESSION_TYPE = {TermKind.QUARTER: "term", TermKind.HALF: "semester", TermKind.TRIMESTER: "term"}

# A staff role in Zhurnal → the role in roles.csv (§4, RoleEnum, with ``ext:`` where OneRoster
# has no such role).
STAFF_ROLE = {
    Role.ADMIN: "systemAdministrator",
    Role.DIRECTOR: "principal",
    Role.DEPUTY: "siteAdministrator",
    Role.TEACHER: "teacher",
    Role.SECRETARY: "ext:secretary",
    Role.HR: "ext:hr",
}
# Which one is the primary role of a staff member holding several (the first found).
STAFF_ROLE_ORDER = [Role.DIRECTOR, Role.DEPUTY, Role.TEACHER, Role.ADMIN, Role.SECRETARY, Role.HR]

# Special entries (seed 002, regulation 2; ``journal.scales.Special``) → scoreStatus (§4,
# ScoreStatusEnum): exempt is OneRoster's own; work owed is not submitted (and missing); not
# attested is Zhurnal's extension.
SPECIAL_STATUS = {
    Special.EXEMPT: "exempt",
    Special.OWED: "not submitted",
    Special.NOT_ATTESTED: "ext:notAttested",
}

# A scale's values, best first, with their meaning (scoreScaleValue: itemValueLHS:RHS).
SCALE_VALUES = {
    ScaleKind.FIVE: [
        ("5", "отлично"),
        ("4", "хорошо"),
        ("3", "удовлетворительно"),
        ("2", "неудовлетворительно"),
        ("1", "плохо"),
    ],
    ScaleKind.PASS_FAIL: [(PASSED, "зачтено"), (FAILED, "не зачтено")],
    ScaleKind.TEN: [(str(n), str(n)) for n in range(10, 0, -1)],
    ScaleKind.HUNDRED: [(str(n), str(n)) for n in range(100, -1, -1)],
}
SCALE_TYPE = {
    ScaleKind.FIVE: "ext:fivePoint",
    ScaleKind.PASS_FAIL: "ext:passFail",
    ScaleKind.TEN: "ext:tenPoint",
    ScaleKind.HUNDRED: "ext:hundredPoint",
}
PERIOD_TITLES = {
    PeriodKind.TERM: "Четвертная (полугодовая) отметка",
    PeriodKind.YEAR: "Годовая отметка",
    PeriodKind.EXAM: "Экзаменационная отметка",
    PeriodKind.FINAL: "Итоговая отметка",
}


def namespace() -> uuid.UUID:
    return uuid.UUID(settings.ZHURNAL_ONEROSTER_NAMESPACE)


def sourced_id(kind: str, *key: object) -> str:
    """The stable sourcedId of a record: a UUID (v5) of its kind and Zhurnal id(s)."""
    return str(uuid.uuid5(namespace(), ":".join([kind, *map(str, key)])))


def fmt_date(day: date | None) -> str:
    return day.isoformat() if day else ""


def fmt_bool(value: bool) -> str:
    return "true" if value else "false"


def fmt_list(values: Iterable[str]) -> str:
    return ",".join(values)


def grade_code(number: int | None) -> str:
    """A Russian grade as OneRoster's grade code (CEDS: ``01``…``12``)."""
    return f"{number:02d}" if number else ""


def text(value: str) -> str:
    """Free text as written (a name, a title, a comment), never a live spreadsheet formula
    (issue 16: ``core.spreadsheets.csv_value``)."""
    return str(csv_value(" ".join(str(value).split())))


@dataclass
class Package:
    """The package's files: name → rows (dicts by column), in the order of ``spec.WRITTEN``."""

    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    year: AcademicYear | None = None

    def manifest(self) -> list[tuple[str, str]]:
        """§3 manifest.csv: each file of the binding bulk when written, else absent."""
        written = {name for name, rows in self.rows.items() if rows}
        entries = [
            ("manifest.version", spec.MANIFEST_VERSION),
            ("oneroster.version", spec.ONEROSTER_VERSION),
        ]
        entries += [
            (f"file.{name}", "bulk" if name in written else "absent")
            for name in spec.MANIFEST_FILES
        ]
        entries += [("source.systemName", SYSTEM_NAME), ("source.systemCode", SYSTEM_CODE)]
        return entries

    def files(self) -> Iterator[tuple[str, bytes]]:
        """(file name, CSV bytes): manifest.csv, then every file with rows."""
        yield "manifest.csv", _csv(spec.MANIFEST_COLUMNS, self.manifest())
        for table in spec.WRITTEN:
            rows = self.rows.get(table.name) or []
            if rows:
                yield (
                    table.file_name,
                    _csv(table.columns, ([row.get(c, "") for c in table.columns] for row in rows)),
                )

    def zip_bytes(self) -> bytes:
        """The package as the binding exchanges it: a zip with the CSV files at its root."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in self.files():
                # A fixed date: the same data make the same bytes (the upload's checksum).
                info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, content)
        return buffer.getvalue()


def _csv(columns: Iterable[str], rows: Iterable[Iterable[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(columns))
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    normal = value.normalize()
    return format(normal, "f") if normal == normal.to_integral() else str(normal)


class _Builder:
    """Reads one year of a school and writes the rows of every file."""

    def __init__(self, school: School, year: AcademicYear):
        self.school = school
        self.year = year
        self.org = sourced_id("org", school.pk)
        self.rows: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.school_tz = ZoneInfo(school.timezone)

    def add(self, table: spec.Table, **values: str) -> None:
        """A row of a bulk file: status and dateLastModified stay blank (``spec.BULK_BLANK``)."""
        self.rows[table.name].append(values)

    # --- orgs, academicSessions -----------------------------------------------------------

    def orgs(self) -> None:
        self.add(
            spec.ORGS,
            sourcedId=self.org,
            name=text(self.school.name),
            type="school",
            identifier=text(self.school.short_name),
        )

    def sessions(self) -> None:
        year = self.year
        self.year_id = sourced_id("year", year.pk)
        school_year = str(year.end.year)
        self.add(
            spec.ACADEMIC_SESSIONS,
            sourcedId=self.year_id,
            title=text(year.title),
            type="schoolYear",
            startDate=fmt_date(year.start),
            endDate=fmt_date(year.end),
            schoolYear=school_year,
        )
        self.terms = list(Term.objects.filter(year=year).order_by("start", "kind", "number"))
        for term in self.terms:
            self.add(
                spec.ACADEMIC_SESSIONS,
                sourcedId=sourced_id("term", term.pk),
                title=text(term.title),
                type=SESSION_TYPE[term.kind],
                startDate=fmt_date(term.start),
                endDate=fmt_date(term.end),
                parentSourcedId=self.year_id,
                schoolYear=school_year,
            )

    def level_terms(self, level: GradeLevel | None) -> list[Term]:
        return terms_of_level(self.terms, level)

    def session_of(self, level: GradeLevel | None, day: date) -> str:
        """The term of the level containing the day, else the year."""
        for term in self.level_terms(level):
            if term.start <= day <= term.end:
                return sourced_id("term", term.pk)
        return self.year_id

    # --- courses and classes ----------------------------------------------------------------

    def courses(self) -> None:
        """OneRoster courses: a subject as a parallel's curriculum has it (subject × grade);
        OneRoster classes: the journals (a course of Zhurnal: a class or subgroup × subject)."""
        courses = list(
            with_scale_rule(Course.objects.filter(school=self.school, year=self.year))
            .select_related(
                "subject",
                "school_class__grade_level",
                "group__school_class__grade_level",
            )
            .prefetch_related(Prefetch("teachers", queryset=Staff.objects.order_by("pk")))
            .order_by("pk")
        )
        self.policy = policy_of(self.school)
        self.course_rows: dict[int, Course] = {}
        self.course_level: dict[int, GradeLevel | None] = {}
        catalog: dict[tuple[int, int | None], dict[str, str]] = {}
        for course in courses:
            school_class = course.school_class or (
                course.group.school_class if course.group else None
            )
            level = school_class.grade_level if school_class else None
            self.course_rows[course.pk] = course
            self.course_level[course.pk] = level
            key = (course.subject_id, level.number if level else None)
            if key not in catalog:
                grade = grade_code(key[1])
                title = course.subject.name + (f", {key[1]} класс" if key[1] else "")
                catalog[key] = {
                    "sourcedId": sourced_id("course", self.year.pk, *key),
                    "title": text(title),
                    "grades": grade,
                    "subjects": text(course.subject.name),
                }
                self.add(
                    spec.COURSES,
                    sourcedId=catalog[key]["sourcedId"],
                    schoolYearSourcedId=self.year_id,
                    title=catalog[key]["title"],
                    courseCode=f"{course.subject_id}-{grade or 'X'}",
                    grades=grade,
                    orgSourcedId=self.org,
                    subjects=catalog[key]["subjects"],
                )
            class_id = sourced_id("class", course.pk)
            terms = [sourced_id("term", t.pk) for t in self.level_terms(level)] or [self.year_id]
            self.add(
                spec.CLASSES,
                sourcedId=class_id,
                title=text(str(course)),
                grades=catalog[key]["grades"],
                courseSourcedId=catalog[key]["sourcedId"],
                classCode=text(course.audience_name),
                classType="scheduled",
                location=text(school_class.room if school_class else ""),
                schoolSourcedId=self.org,
                termSourcedIds=fmt_list(terms),
                subjects=catalog[key]["subjects"],
            )
            scale = course.scale_rule or self.policy.default_scale
            course.oneroster_scale = scale
            if scale in SCALE_VALUES:
                self.add(
                    spec.SCORE_SCALES,
                    sourcedId=sourced_id("scale", course.pk, scale),
                    title=text(f"{ScaleKind(scale).label}: {course}"),
                    type=SCALE_TYPE[scale],
                    orgSourcedId=self.org,
                    courseSourcedId=catalog[key]["sourcedId"],
                    classSourcedId=class_id,
                    scoreScaleValue=fmt_list(
                        "{" + f"{lhs}:{rhs}" + "}" for lhs, rhs in SCALE_VALUES[scale]
                    ),
                )

    # --- people -------------------------------------------------------------------------------

    def people(self) -> None:
        year = self.year
        enrollments = list(
            Enrollment.objects.filter(school=self.school, school_class__year=year)
            .select_related("school_class__grade_level")
            .order_by("pk")
        )
        memberships = list(
            GroupMembership.objects.filter(school=self.school, group__year=year).order_by("pk")
        )
        student_ids = {e.student_id for e in enrollments} | {m.student_id for m in memberships}
        students = list(
            Student.objects.filter(school=self.school, pk__in=student_ids)
            .select_related("user")
            .order_by("pk")
        )
        links = list(
            StudentGuardian.objects.filter(school=self.school, student_id__in=student_ids)
            .select_related("guardian__user")
            .order_by("pk")
        )
        teacher_ids = {t.pk for c in self.course_rows.values() for t in c.teachers.all()}
        staff = list(
            Staff.objects.filter(school=self.school)
            .filter(Q(is_active=True) | Q(pk__in=teacher_ids))
            .select_related("user")
            .order_by("pk")
        )
        roles_by_user: dict[int, set[str]] = defaultdict(set)
        memberships_of_staff = Membership.objects.filter(
            school=self.school, user_id__in={s.user_id for s in staff if s.user_id}
        ).values_list("user_id", "role")
        for user_id, role in memberships_of_staff:
            roles_by_user[user_id].add(role)
        consent = ExchangePolicy.objects.filter(school=self.school, share_demographics=True)
        self.share_demographics = consent.exists()

        level_of_class: dict[int, GradeLevel] = {}
        for e in enrollments:
            level_of_class[e.school_class_id] = e.school_class.grade_level
        grade_of_student: dict[int, int] = {}
        for e in sorted(enrollments, key=lambda e: e.start):
            grade_of_student[e.student_id] = level_of_class[e.school_class_id].number
        agents: dict[str, list[str]] = defaultdict(list)
        for link in links:
            child = sourced_id("student", link.student_id)
            parent = sourced_id("guardian", link.guardian_id)
            agents[child].append(parent)
            agents[parent].append(child)

        self.student_ids = {s.pk for s in students}
        for student in students:
            uid = sourced_id("student", student.pk)
            self._user(
                uid,
                student,
                student.user,
                identifier=student.personal_file_number,
                agents=agents[uid],
                grades=grade_code(grade_of_student.get(student.pk)),
            )
            self._role(uid, "student", "primary")
            if self.share_demographics:
                self.add(
                    spec.DEMOGRAPHICS,
                    sourcedId=uid,
                    birthDate=fmt_date(student.birth_date),
                    sex={Gender.MALE: "male", Gender.FEMALE: "female"}.get(
                        student.gender, "unspecified"
                    ),
                )
        seen_guardians = set()
        for link in links:
            if link.guardian_id in seen_guardians:
                continue
            seen_guardians.add(link.guardian_id)
            guardian = link.guardian
            uid = sourced_id("guardian", guardian.pk)
            self._user(uid, guardian, guardian.user, identifier="", agents=agents[uid])
            role = "parent" if link.relation in ("mother", "father") else "guardian"
            self._role(uid, role, "primary")
        for member in staff:
            uid = sourced_id("staff", member.pk)
            self._user(uid, member, member.user, identifier=member.staff_number, agents=[])
            roles = roles_by_user.get(member.user_id, set()) & set(STAFF_ROLE)
            if member.pk in teacher_ids:
                roles.add(Role.TEACHER)
            ordered = [r for r in STAFF_ROLE_ORDER if r in roles] or [Role.TEACHER]
            for index, role in enumerate(ordered):
                self._role(uid, STAFF_ROLE[role], "primary" if index == 0 else "secondary")

        # enrollments.csv: the students on each journal's list (class enrollment or subgroup
        # membership, with their dates within the year) and its teachers.
        by_class: dict[int, list] = defaultdict(list)
        for e in enrollments:
            by_class[e.school_class_id].append(e)
        by_group: dict[int, list] = defaultdict(list)
        for m in memberships:
            by_group[m.group_id].append(m)
        for course in self.course_rows.values():
            class_id = sourced_id("class", course.pk)
            spans = (
                [("e", e) for e in by_class[course.school_class_id]]
                if course.school_class_id
                else [("g", m) for m in by_group[course.group_id]]
            )
            for kind, span in spans:
                end = min(span.end, year.end) if span.end else year.end
                begin = max(span.start, year.start)
                if end < begin:
                    continue
                self.add(
                    spec.ENROLLMENTS,
                    sourcedId=sourced_id("enrollment", course.pk, kind, span.pk),
                    classSourcedId=class_id,
                    schoolSourcedId=self.org,
                    userSourcedId=sourced_id("student", span.student_id),
                    role="student",
                    primary="false",
                    beginDate=fmt_date(begin),
                    endDate=fmt_date(end),
                )
            for index, teacher in enumerate(course.teachers.all()):
                self.add(
                    spec.ENROLLMENTS,
                    sourcedId=sourced_id("teaching", course.pk, teacher.pk),
                    classSourcedId=class_id,
                    schoolSourcedId=self.org,
                    userSourcedId=sourced_id("staff", teacher.pk),
                    role="teacher",
                    primary=fmt_bool(index == 0),
                    beginDate=fmt_date(year.start),
                    endDate=fmt_date(year.end),
                )

    def _user(self, uid: str, person, user, *, identifier: str, agents, grades: str = ""):
        self.add(
            spec.USERS,
            sourcedId=uid,
            enabledUser=fmt_bool(bool(user and user.is_active)),
            username=text(user.username) if user else uid,
            givenName=text(person.first_name),
            familyName=text(person.last_name),
            middleName=text(person.middle_name),
            identifier=text(identifier),
            email=person.email,
            phone=text(person.phone),
            agentSourcedIds=fmt_list(agents),
            grades=grades,
            primaryOrgSourcedId=self.org,
        )

    def _role(self, uid: str, role: str, role_type: str) -> None:
        self.add(
            spec.ROLES,
            sourcedId=sourced_id("role", uid, role),
            userSourcedId=uid,
            roleType=role_type,
            role=role,
            beginDate=fmt_date(self.year.start),
            endDate=fmt_date(self.year.end),
            orgSourcedId=self.org,
        )

    # --- gradebook ------------------------------------------------------------------------

    def gradebook(self) -> None:
        """categories (the work types and the kinds of period marks), lineItems (a journal's
        column of marks; a period mark's kind in a term), results (the marks)."""
        for work_type in WorkType.objects.filter(school=self.school).order_by("position", "pk"):
            self.add(
                spec.CATEGORIES,
                sourcedId=sourced_id("work-type", work_type.pk),
                title=text(f"{work_type.code} — {work_type.name}"),
                weight=_number(work_type.weight),
            )
        for kind in PeriodKind:
            self.add(
                spec.CATEGORIES,
                sourcedId=sourced_id("period-kind", self.school.pk, kind.value),
                title=PERIOD_TITLES[kind],
            )
        course_ids = list(self.course_rows)
        columns = (
            GradeColumn.objects.filter(school=self.school, lesson__course_id__in=course_ids)
            .select_related("lesson", "work_type")
            .order_by("lesson__date", "lesson__number", "position", "pk")
        )
        for column in columns.iterator(chunk_size=2000):
            course = self.course_rows[column.lesson.course_id]
            day = column.lesson.date
            title = column.title or column.work_type.name
            self.add(
                spec.LINE_ITEMS,
                sourcedId=sourced_id("column", column.pk),
                title=text(f"{title}, {day:%d.%m.%Y}"),
                description=text(column.lesson.topic),
                assignDate=fmt_date(day),
                dueDate=fmt_date(day),
                classSourcedId=sourced_id("class", course.pk),
                categorySourcedId=sourced_id("work-type", column.work_type_id),
                academicSessionSourcedId=self.session_of(self.course_level[course.pk], day),
                **self._range(course),
                schoolSourcedId=self.org,
            )
        marks = (
            Mark.objects.filter(school=self.school, column__lesson__course_id__in=course_ids)
            .select_related("column__lesson")
            .order_by("pk")
        )
        for mark in marks.iterator(chunk_size=5000):
            if mark.student_id not in self.student_ids:
                continue
            course_id = mark.column.lesson.course_id
            self._result(
                sourced_id("mark", mark.pk),
                sourced_id("column", mark.column_id),
                course_id,
                mark,
                comment=mark.comment,
            )
        period_items: set[tuple[int, str, int | None]] = set()
        period_marks = PeriodMark.objects.filter(
            school=self.school, course_id__in=course_ids
        ).order_by("pk")
        terms = {t.pk: t for t in self.terms}
        for mark in period_marks.iterator(chunk_size=5000):
            if mark.student_id not in self.student_ids:
                continue
            key = (mark.course_id, mark.kind, mark.term_id)
            item = sourced_id("period", *key)
            if key not in period_items:
                period_items.add(key)
                course = self.course_rows[mark.course_id]
                term = terms.get(mark.term_id)
                label = PERIOD_TITLES[mark.kind]
                self.add(
                    spec.LINE_ITEMS,
                    sourcedId=item,
                    title=text(f"{label}: {term.title}" if term else label),
                    assignDate=fmt_date(term.start if term else self.year.start),
                    dueDate=fmt_date(term.end if term else self.year.end),
                    classSourcedId=sourced_id("class", course.pk),
                    categorySourcedId=sourced_id("period-kind", self.school.pk, mark.kind),
                    academicSessionSourcedId=(
                        sourced_id("term", term.pk) if term else self.year_id
                    ),
                    **self._range(course),
                    schoolSourcedId=self.org,
                )
            self._result(sourced_id("period-mark", mark.pk), item, mark.course_id, mark)

    def _range(self, course: Course) -> dict[str, str]:
        bounds = NUMERIC_RANGES.get(course.oneroster_scale)
        if not bounds:
            return {}
        return {"resultValueMin": f"{bounds[0]}.0", "resultValueMax": f"{bounds[1]}.0"}

    def _result(self, uid: str, item: str, course_id: int, mark, comment: str = "") -> None:
        status = SPECIAL_STATUS.get(mark.value, "fully graded")
        self.add(
            spec.RESULTS,
            sourcedId=uid,
            lineItemSourcedId=item,
            studentSourcedId=sourced_id("student", mark.student_id),
            scoreStatus=status,
            score=_number(mark.number),
            scoreDate=fmt_date(timezone.localtime(mark.changed_at, self.school_tz).date()),
            comment=text(comment),
            textScore=text(mark.value),
            classSourcedId=sourced_id("class", course_id),
            missing=fmt_bool(mark.value == Special.OWED),
        )


def package(school: School, year: AcademicYear) -> Package:
    """The school's OneRoster package of one academic year (``QUERIES`` SQL statements)."""
    builder = _Builder(school, year)
    builder.orgs()
    builder.sessions()
    builder.courses()
    builder.people()
    builder.gradebook()
    rows = {table.name: builder.rows.get(table.name, []) for table in spec.WRITTEN}
    return Package(rows=rows, year=year)
