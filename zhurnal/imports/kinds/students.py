"""Class lists: students with their guardians (issue 2).

- Students are matched by the personal file number within the school.
- New students are admitted, and students whose class changed are transferred, through
  ``zhurnal.school.services`` with the order number and date (DESIGN §2 "Приказ").
- An empty optional cell keeps what the register holds; the file never erases data.
- Guardians are matched by full name among the student's guardians; otherwise a guardian of
  the school with the same full name and the same phone or e-mail (a sibling's parent) is
  linked; otherwise a new guardian is created.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.school import services as school_services
from zhurnal.school.calendar import current_year
from zhurnal.school.models import (
    Enrollment,
    Guardian,
    GuardianRelation,
    School,
    SchoolClass,
    Student,
    StudentGuardian,
)

from .. import events, parsing
from ..columns import header_of
from ..models import ImportKind
from ..parsing import GuardianData, ParsedRow, normalize_name
from .base import (
    RELATION_WORD,
    Change,
    GuardianPlan,
    Plan,
    RowPlan,
    RowStatus,
    chunks,
    compare,
    digits,
    fmt,
)


def build_plan(batch, parsed: list[ParsedRow], today: date) -> Plan:
    return _plan_students(batch.school, parsed, today)


def _plan_students(school: School, parsed: list[ParsedRow], today: date) -> Plan:
    kind = ImportKind.STUDENTS
    year = current_year(school, today)
    classes: dict[str, SchoolClass] = {}
    if year is not None:
        for cls in SchoolClass.objects.filter(school=school, year=year).select_related(
            "grade_level", "year"
        ):
            classes[parsing.normalize_class_name(cls.name)] = cls
    numbers = {p.cells.get("file_number", "") for p in parsed} - {""}
    students: dict[str, Student] = {}
    for chunk in chunks(numbers):
        for student in Student.objects.filter(school=school, personal_file_number__in=chunk):
            students[student.personal_file_number] = student
    ids = [s.pk for s in students.values()]
    enrollments: dict[int, Enrollment] = {}
    links: dict[int, list[StudentGuardian]] = defaultdict(list)
    for chunk in chunks(ids):
        for enrollment in Enrollment.objects.filter(
            school=school, end__isnull=True, student_id__in=chunk
        ).select_related("school_class__grade_level"):
            enrollments[enrollment.student_id] = enrollment
        for link in StudentGuardian.objects.filter(
            school=school, student_id__in=chunk
        ).select_related("guardian"):
            links[link.student_id].append(link)

    rows = []
    for row in parsed:
        plan = RowPlan(row=row)
        rows.append(plan)
        _plan_student_row(plan, kind, row, students, enrollments, links, classes, year, today)
    _find_sibling_guardians(school, rows)
    return Plan(kind=kind, rows=rows, year=year)


def _plan_student_row(plan, kind, row, students, enrollments, links, classes, year, today):
    values = row.values
    student = students.get(row.cells.get("file_number", ""))
    plan.target = student
    class_raw = row.cells.get("class_name", "")
    cls = classes.get(parsing.normalize_class_name(class_raw)) if class_raw else None
    plan.school_class = cls
    if class_raw and cls is None:
        if year is None:
            plan.error(
                "class_name",
                kind,
                _("there is no current academic year; create it in the school structure first"),
            )
        else:
            plan.error(
                "class_name",
                kind,
                _("unknown class %(value)s in the academic year %(year)s")
                % {"value": class_raw, "year": year},
            )

    current = enrollments.get(student.pk) if student else None
    if student is not None:
        for key in ("last_name", "first_name"):
            compare(plan, kind, student, key, key, values.get(key), keep_empty=True)
        compare(
            plan,
            kind,
            student,
            "middle_name",
            "middle_name",
            values.get("middle_name"),
            keep_empty=True,
        )
        compare(
            plan,
            kind,
            student,
            "birth_date",
            "birth_date",
            values.get("birth_date"),
            keep_empty=True,
        )
        compare(plan, kind, student, "gender", "gender", values.get("gender"), keep_empty=True)
        for key in ("address", "phone", "email"):
            compare(plan, kind, student, key, key, values.get(key), keep_empty=True)

    if cls is not None:
        if student is None:
            plan.movement = "admit"
            plan.day = values.get("enrolled_on") or cls.year.start
        elif current is None or current.school_class_id != cls.pk:
            plan.movement = "transfer" if current else "admit"
            plan.day = values.get("enrolled_on") or max(today, cls.year.start)
            plan.changes.append(
                Change(
                    header_of(kind, "class_name"),
                    current.school_class.name if current else "—",
                    cls.name,
                )
            )
    if plan.movement:
        _check_movement(plan, kind, current, cls)
    if student is None:
        plan.guardians = [GuardianPlan(data=g, link=None) for g in row.guardians]
    else:
        _plan_guardians(plan, kind, row.guardians, links.get(student.pk, []))


def _check_movement(plan: RowPlan, kind: str, current: Enrollment | None, cls: SchoolClass):
    day, values = plan.day, plan.row.values
    if cls.year.is_closed:  # issue 13: a closed year's class lists are read-only
        plan.error(
            "class_name",
            kind,
            _("the academic year %(year)s is closed: its class lists are read-only")
            % {"year": cls.year},
        )
    elif not (cls.year.start <= day <= cls.year.end):
        plan.error(
            "enrolled_on",
            kind,
            _("the date %(day)s is outside the academic year %(year)s")
            % {"day": fmt(day), "year": cls.year},
        )
    elif current is not None and day <= current.start:
        plan.error(
            "enrolled_on",
            kind,
            _(
                "the transfer date %(day)s must be after %(start)s, when the student joined class "
                "%(cls)s; fill in the transfer date"
            )
            % {"day": fmt(day), "start": fmt(current.start), "cls": current.school_class.name},
        )
    if plan.movement == "transfer":
        what = _("to transfer the student from %(old)s to %(new)s") % {
            "old": current.school_class.name,
            "new": cls.name,
        }
    elif plan.target is None:
        what = _("to admit a new student")
    else:
        what = _("to admit the student again")
    if not values.get("order_number"):
        plan.error(
            "order_number", kind, _("the order number is required %(what)s") % {"what": what}
        )
    if not values.get("order_date") and not plan.row.cells.get("order_date"):
        plan.error("order_date", kind, _("the order date is required %(what)s") % {"what": what})


def _plan_guardians(plan: RowPlan, kind: str, guardians: list[GuardianData], links):
    by_name = {normalize_name(link.guardian.full_name): link for link in links}
    for data in guardians:
        link = by_name.get(normalize_name(data.full_name))
        gplan = GuardianPlan(data=data, link=link)
        plan.guardians.append(gplan)
        prefix = f"g{data.slot}_"
        if link is None:
            plan.changes.append(Change(header_of(kind, prefix + "name"), "—", data.full_name))
            continue
        for attr in ("phone", "email"):
            new = getattr(data, attr)
            old = getattr(link.guardian, attr)
            same_phone = attr == "phone" and old and digits(old) == digits(new)
            if new and new != old and not same_phone:
                gplan.updates[attr] = new
                plan.changes.append(
                    Change(header_of(kind, prefix + attr), fmt(getattr(link.guardian, attr)), new)
                )
        if data.relation and data.relation != link.relation:
            gplan.relation = data.relation
            plan.changes.append(
                Change(
                    header_of(kind, prefix + "relation"),
                    RELATION_WORD.get(link.relation, link.relation),
                    RELATION_WORD[data.relation],
                )
            )


def _find_sibling_guardians(school: School, rows: list[RowPlan]) -> None:
    """A new guardian who is already the guardian of another student of the school (same full
    name and the same phone or e-mail) is linked, not created twice."""
    wanted = [g for r in rows if not r.row.errors for g in r.guardians if g.link is None]
    last_names = {g.data.last_name for g in wanted}
    candidates: dict[str, list[Guardian]] = defaultdict(list)
    for chunk in chunks(last_names):
        for guardian in Guardian.objects.filter(school=school, last_name__in=chunk):
            candidates[normalize_name(guardian.full_name)].append(guardian)
    for gplan in wanted:
        for guardian in candidates.get(normalize_name(gplan.data.full_name), []):
            same_phone = gplan.data.phone and digits(gplan.data.phone) == digits(guardian.phone)
            same_email = gplan.data.email and (
                gplan.data.email.casefold() == guardian.email.casefold()
            )
            if same_phone or same_email:
                gplan.sibling_guardian = guardian
                break


def audit_person(row: RowPlan, obj, *, batch, actor: Actor, student=None) -> None:
    if row.status == RowStatus.NEW:
        before = None
        after = {header_of(batch.kind, k): v for k, v in row.row.cells.items() if v}
    else:
        before = {c.field: c.old for c in row.changes}
        after = {c.field: c.new for c in row.changes}
    events.record_imported(
        obj,
        actor=actor,
        school=batch.school,
        file_name=batch.file_name,
        before=before,
        after=after,
        student=student,
    )


def apply_row(row: RowPlan, *, batch, actor: Actor, today, state: dict) -> None:
    values = row.row.values
    school = batch.school
    if row.target is None:
        student = Student.objects.create(
            school=school,
            personal_file_number=values["file_number"],
            last_name=values["last_name"],
            first_name=values["first_name"],
            middle_name=values.get("middle_name", ""),
            birth_date=values["birth_date"],
            gender=values["gender"],
            address=values.get("address", ""),
            phone=values.get("phone", ""),
            email=values.get("email", ""),
        )
    else:
        student = row.target
        if row.updates:
            for attr, value in row.updates.items():
                setattr(student, attr, value)
            student.save(update_fields=list(row.updates))
    if row.movement:
        move = (
            school_services.transfer_student
            if row.movement == "transfer"
            else school_services.admit_student
        )
        move(
            student=student,
            school_class=row.school_class,
            day=row.day,
            order=school_services.Order(values["order_number"], values["order_date"]),
            actor=actor,
        )
    for gplan in row.guardians:
        _apply_guardian(gplan, student, school, state.setdefault("guardians", {}))
    audit_person(row, student, batch=batch, actor=actor, student=student)


def _apply_guardian(gplan: GuardianPlan, student: Student, school: School, created) -> None:
    data = gplan.data
    if gplan.link is not None:
        guardian = gplan.link.guardian
        if gplan.updates:
            for attr, value in gplan.updates.items():
                setattr(guardian, attr, value)
            guardian.save(update_fields=list(gplan.updates))
        if gplan.relation:
            gplan.link.relation = gplan.relation
            gplan.link.save(update_fields=["relation"])
        return
    # Siblings in one file share their guardian (same full name and phone or e-mail).
    keys = [
        (normalize_name(data.full_name), c)
        for c in (digits(data.phone), data.email.casefold())
        if c
    ]
    guardian = gplan.sibling_guardian or next((created[k] for k in keys if k in created), None)
    if guardian is None:
        guardian = Guardian.objects.create(
            school=school,
            last_name=data.last_name,
            first_name=data.first_name,
            middle_name=data.middle_name,
            phone=data.phone,
            email=data.email,
        )
    for key in keys:
        created.setdefault(key, guardian)
    # Not linked yet: a guardian of this student with this name would have matched above.
    StudentGuardian.objects.create(
        school=school,
        student=student,
        guardian=guardian,
        relation=data.relation or GuardianRelation.OTHER,
    )
