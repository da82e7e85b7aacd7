"""The weekly timetable from a file (issue 3): the same rules as the class lists.

- A row names a course of the current academic year by its class or group and its subject
  (unknown or ambiguous: a row error), a teacher (full name, «Петрова А. С.» or the staff
  number; empty: the course's only teacher), a slot (weekday, lesson number, weeks) and the
  dates it holds.
- A row is matched with an entry by course + weekday + lesson number + weeks + start date: the
  same file imported twice changes nothing; a changed teacher, room or end date updates that
  entry. An empty teacher, room or end cell keeps what the entry holds.
- Conflicts (a teacher, a room, a class or subgroup in two places at once) follow the rules of
  ``zhurnal.timetable.conflicts`` (its ``audiences_meet`` and range and week checks), against
  the timetable *as the file leaves it*: an entry the file ends («Действует по») no longer
  clashes with the entry that replaces it, and two rows of the file are checked against each
  other. The commit writes through ``zhurnal.timetable.services.save_entry``, which checks
  again and audits every entry; the entries the file changes are written before the new ones.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.school.calendar import current_year
from zhurnal.school.models import Course, Group, SchoolClass, Staff, Subject
from zhurnal.timetable import services as timetable_services
from zhurnal.timetable.conflicts import audiences_meet, parities_meet, ranges_overlap
from zhurnal.timetable.models import TimetableEntry, Weekday, WeekParity

from ..columns import header_of
from ..models import ImportKind
from ..parsing import ParsedRow, normalize_class_name, normalize_name
from .base import Change, Plan, RowPlan, RowStatus, fmt

KIND = ImportKind.TIMETABLE
PARITY_WORD = {WeekParity.EVERY: "все", WeekParity.ODD: "нечётная", WeekParity.EVEN: "чётная"}


def _short(text: str) -> str:
    """'Петрова А.С.', 'петрова а. с.' → 'петроваа.с.' (short names compared)."""
    return re.sub(r"\s+", "", normalize_name(text))


@dataclass
class _Slot:
    """One entry of the timetable as the file would leave it."""

    line: int | None  # None: an entry of the database the file does not mention
    course: Course
    teacher: Staff
    room: str
    weekday: int
    number: int
    parity: str
    valid_from: date
    valid_to: date | None
    touched: bool  # new or changed by the file


class _Lookup:
    """Classes, groups, subjects, courses, staff and entries of the year: a fixed number of
    queries whatever the size of the file."""

    def __init__(self, school, year):
        self.classes: dict[str, SchoolClass] = {}
        self.groups: dict[str, list[Group]] = defaultdict(list)
        self.subjects: dict[str, list[Subject]] = defaultdict(list)
        self.courses: dict[tuple, list[Course]] = defaultdict(list)
        self.group_courses_of_class: dict[tuple, list[Course]] = defaultdict(list)
        self.staff_by_number: dict[str, Staff] = {}
        self.staff_by_name: dict[str, list[Staff]] = defaultdict(list)
        self.entries: dict[tuple, TimetableEntry] = {}
        for subject in Subject.objects.filter(school=school):
            names = {normalize_name(subject.name), normalize_name(subject.short_name)} - {""}
            for name in names:
                self.subjects[name].append(subject)
        for staff in Staff.objects.filter(school=school):
            self.staff_by_number[staff.staff_number.casefold()] = staff
            for name in {normalize_name(staff.full_name), _short(staff.short_name)}:
                self.staff_by_name[name].append(staff)
        if year is None:
            return
        for cls in SchoolClass.objects.filter(school=school, year=year).select_related(
            "grade_level"
        ):
            self.classes[normalize_class_name(cls.name)] = cls
        for group in Group.objects.filter(school=school, year=year).select_related(
            "school_class__grade_level"
        ):
            for name in {normalize_name(group.name), normalize_name(str(group))}:
                self.groups[name].append(group)
        courses = (
            Course.objects.filter(school=school, year=year)
            .select_related(
                "subject", "school_class__grade_level", "group__school_class__grade_level"
            )
            .prefetch_related("teachers")
        )
        self.course_by_id: dict[int, Course] = {}
        for course in courses:
            self.course_by_id[course.pk] = course
            if course.school_class_id:
                self.courses[(course.subject_id, "class", course.school_class_id)].append(course)
            else:
                self.courses[(course.subject_id, "group", course.group_id)].append(course)
                if course.group.school_class_id:
                    key = (course.subject_id, course.group.school_class_id)
                    self.group_courses_of_class[key].append(course)
        for entry in TimetableEntry.objects.filter(school=school, year=year).select_related(
            "teacher"
        ):
            entry.course = self.course_by_id.get(entry.course_id, entry.course)
            self.entries[
                _key(entry.course_id, entry.weekday, entry.number, entry.parity, entry.valid_from)
            ] = entry


def _key(course_id, weekday, number, parity, valid_from) -> tuple:
    return (course_id, weekday, number, str(parity), valid_from)


def build_plan(batch, parsed: list[ParsedRow], today: date) -> Plan:
    school = batch.school
    year = current_year(school, today)
    lookup = _Lookup(school, year)
    rows: list[RowPlan] = []
    slots: list[_Slot] = []
    matched: set[int] = set()
    for row in parsed:
        plan = RowPlan(row=row)
        rows.append(plan)
        slot = _plan_row(plan, school, year, lookup)
        if slot is not None:
            slots.append(slot)
            if plan.target is not None:
                matched.add(plan.target.pk)
    if not any(r.errors for r in rows):
        others = [
            _Slot(
                None,
                e.course,
                e.teacher,
                e.room,
                e.weekday,
                e.number,
                e.parity,
                e.valid_from,
                e.valid_to,
                False,
            )
            for e in lookup.entries.values()
            if e.pk not in matched
        ]
        _check_conflicts(rows, slots, others)
    return Plan(
        kind=KIND,
        rows=rows,
        year=year,
        headers=[
            header_of(KIND, k)
            for k in (
                "audience",
                "subject",
                "weekday",
                "number",
                "teacher",
                "room",
                "parity",
                "valid_from",
            )
        ],
    )


def _plan_row(plan: RowPlan, school, year, lookup: _Lookup) -> _Slot | None:
    row, values, cells = plan.row, plan.row.values, plan.row.cells
    weekday, number = values.get("weekday"), values.get("number")
    plan.shown = [
        cells.get("audience", ""),
        cells.get("subject", ""),
        Weekday(weekday).label if weekday else cells.get("weekday", ""),
        cells.get("number", ""),
        cells.get("teacher", ""),
        cells.get("room", ""),
        PARITY_WORD.get(values.get("parity"), cells.get("parity", "")),
        cells.get("valid_from", ""),
    ]
    if year is None:
        plan.error(
            "audience",
            KIND,
            _("there is no current academic year; create it in the school structure first"),
        )
        return None
    if year.is_closed:  # issue 13: a closed year's timetable is read-only
        plan.error(
            "audience",
            KIND,
            _("the academic year %(year)s is closed: its timetable is read-only") % {"year": year},
        )
        return None
    course = _course(plan, year, lookup)
    teacher = _teacher(plan, course, lookup)
    if weekday == 6 and school.week_days == 5:
        plan.error(
            "weekday", KIND, _("the school has a 5-day week: there are no lessons on Saturday")
        )
    valid_from = values.get("valid_from") or year.start
    valid_to = values.get("valid_to")
    if not year.start <= valid_from <= year.end:
        plan.error(
            "valid_from",
            KIND,
            _("the date %(day)s is outside the academic year %(year)s")
            % {"day": fmt(valid_from), "year": year},
        )
    if valid_to and not year.start <= valid_to <= year.end:
        plan.error(
            "valid_to",
            KIND,
            _("the date %(day)s is outside the academic year %(year)s")
            % {"day": fmt(valid_to), "year": year},
        )
    if row.errors or course is None or teacher is None:
        return None
    parity = values["parity"]
    existing = lookup.entries.get(_key(course.pk, weekday, number, parity, valid_from))
    room = values.get("room", "")
    if existing is not None:
        plan.target = existing
        if teacher.pk != existing.teacher_id:
            plan.updates["teacher"] = teacher
            plan.changes.append(
                Change(header_of(KIND, "teacher"), existing.teacher.short_name, teacher.short_name)
            )
        if room and room != existing.room:
            plan.updates["room"] = room
            plan.changes.append(Change(header_of(KIND, "room"), fmt(existing.room), room))
        if valid_to and valid_to != existing.valid_to:
            plan.updates["valid_to"] = valid_to
            plan.changes.append(
                Change(header_of(KIND, "valid_to"), fmt(existing.valid_to), fmt(valid_to))
            )
        if valid_to and valid_to < existing.valid_from:
            plan.error(
                "valid_to",
                KIND,
                _("the end %(end)s is before the start %(start)s")
                % {"end": fmt(valid_to), "start": fmt(existing.valid_from)},
            )
            return None
        room = room or existing.room
        valid_to = valid_to or existing.valid_to
    else:
        plan.updates = {
            "school": school,
            "year": year,
            "course": course,
            "weekday": weekday,
            "number": number,
            "teacher": teacher,
            "room": room,
            "parity": parity,
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
    return _Slot(
        row.line,
        course,
        teacher,
        room,
        weekday,
        number,
        parity,
        valid_from,
        valid_to,
        plan.target is None or bool(plan.changes),
    )


def _course(plan: RowPlan, year, lookup: _Lookup) -> Course | None:
    cells = plan.row.cells
    audience_raw, subject_raw = cells.get("audience", ""), cells.get("subject", "")
    if not audience_raw or not subject_raw:
        return None  # "the cell is empty" already said
    school_class = lookup.classes.get(normalize_class_name(audience_raw))
    groups = lookup.groups.get(normalize_name(audience_raw), [])
    if school_class is None and not groups:
        plan.error(
            "audience",
            KIND,
            _("unknown class or group «%(value)s» in the academic year %(year)s")
            % {"value": audience_raw, "year": year},
        )
    subjects = lookup.subjects.get(normalize_name(subject_raw), [])
    if not subjects:
        plan.error("subject", KIND, _("unknown subject «%(value)s»") % {"value": subject_raw})
        return None
    if len(subjects) > 1:
        plan.error(
            "subject",
            KIND,
            _("«%(value)s» may be any of %(names)s; write the full name")
            % {"value": subject_raw, "names": ", ".join(s.name for s in subjects)},
        )
        return None
    if school_class is None and not groups:
        return None
    subject = subjects[0]
    candidates: list[Course] = []
    if school_class is not None:
        candidates += lookup.courses.get((subject.pk, "class", school_class.pk), [])
    for group in groups:
        candidates += lookup.courses.get((subject.pk, "group", group.pk), [])
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        plan.error(
            "subject",
            KIND,
            _(
                "%(audience)s has several courses of %(subject)s "
                "(%(kinds)s); a file can name only one"
            )
            % {
                "audience": audience_raw,
                "subject": subject.name,
                "kinds": ", ".join(str(c.get_kind_display()) for c in candidates),
            },
        )
        return None
    split = (
        lookup.group_courses_of_class.get((subject.pk, school_class.pk))
        if (school_class is not None)
        else None
    )
    if split:
        plan.error(
            "audience",
            KIND,
            _("class %(cls)s learns %(subject)s in groups: write the group (%(groups)s)")
            % {
                "cls": school_class.name,
                "subject": subject.name,
                "groups": ", ".join(sorted(c.group.name for c in split)),
            },
        )
    else:
        plan.error(
            "subject",
            KIND,
            _(
                "there is no course of %(subject)s for %(audience)s in the "
                "academic year %(year)s; add it under «Нагрузка» first"
            )
            % {"subject": subject.name, "audience": audience_raw, "year": year},
        )
    return None


def _teacher(plan: RowPlan, course: Course | None, lookup: _Lookup) -> Staff | None:
    raw = plan.row.cells.get("teacher", "")
    if not raw:
        if course is None:
            return None
        teachers = list(course.teachers.all())
        if len(teachers) == 1:
            return teachers[0]
        if not teachers:
            plan.error(
                "teacher",
                KIND,
                _("the course %(course)s has no teacher: fill in the teacher") % {"course": course},
            )
        else:
            plan.error(
                "teacher",
                KIND,
                _("the course %(course)s has several teachers: fill in the teacher")
                % {"course": course},
            )
        return None
    staff = lookup.staff_by_number.get(raw.casefold())
    if staff is None:
        found = lookup.staff_by_name.get(normalize_name(raw)) or lookup.staff_by_name.get(
            _short(raw), []
        )
        if not found:
            plan.error(
                "teacher",
                KIND,
                _("unknown teacher «%(value)s»: write the full name or the staff number")
                % {"value": raw},
            )
            return None
        if len(found) > 1:
            plan.error(
                "teacher",
                KIND,
                _("several staff members are called «%(value)s»: write the staff number")
                % {"value": raw},
            )
            return None
        staff = found[0]
    if not staff.is_active:
        plan.error(
            "teacher",
            KIND,
            _("%(teacher)s no longer works at the school.") % {"teacher": staff.short_name},
        )
        return None
    return staff


def _meet(a: _Slot, b: _Slot) -> bool:
    return (
        a.weekday == b.weekday
        and a.number == b.number
        and parities_meet(a.parity, b.parity)
        and ranges_overlap(a.valid_from, a.valid_to, b.valid_from, b.valid_to)
    )


def _check_conflicts(rows: list[RowPlan], slots: list[_Slot], others: list[_Slot]) -> None:
    """A teacher, a room or an audience in two places at once, with the timetable as the file
    leaves it; only clashes that involve a new or changed row are reported (a re-import of the
    same file changes nothing and reports nothing)."""
    by_line = {r.line: r for r in rows}
    by_time: dict[tuple, list[_Slot]] = defaultdict(list)
    for slot in others:
        by_time[(slot.weekday, slot.number)].append(slot)
    for slot in slots:
        by_time[(slot.weekday, slot.number)].append(slot)
    for slot in slots:
        plan = by_line[slot.line]
        for other in by_time[(slot.weekday, slot.number)]:
            if other is slot or not (slot.touched or other.touched) or not _meet(slot, other):
                continue
            _report(plan, slot, other)


def _report(plan: RowPlan, slot: _Slot, other: _Slot) -> None:
    where = {
        "course": str(other.course),
        "weekday": Weekday(other.weekday).label,
        "number": other.number,
        "line": other.line,
    }
    in_file = other.line is not None
    if (
        in_file
        and other.course.pk == slot.course.pk
        and other.parity == slot.parity
        and (other.valid_from == slot.valid_from)
    ):
        plan.error("number", KIND, _("the same lesson is also in line %(line)d") % where)
        return
    if other.teacher.pk == slot.teacher.pk:
        where["teacher"] = other.teacher.short_name
        plan.error(
            "teacher",
            KIND,
            (
                _("%(teacher)s also teaches %(course)s at this time, in line %(line)d")
                if in_file
                else _(
                    "%(teacher)s already teaches %(course)s at this time (%(weekday)s, lesson "
                    "%(number)s)."
                )
            )
            % where,
        )
    if slot.room and other.room and slot.room.strip().lower() == other.room.strip().lower():
        where["room"] = other.room
        plan.error(
            "room",
            KIND,
            (
                _("Room %(room)s is also taken by %(course)s at this time, in line %(line)d")
                if in_file
                else _(
                    "Room %(room)s is taken by %(course)s at this time (%(weekday)s, lesson "
                    "%(number)s)."
                )
            )
            % where,
        )
    if audiences_meet(slot.course, other.course):
        where["audience"] = slot.course.audience_name
        plan.error(
            "audience",
            KIND,
            (
                _("%(audience)s also has %(course)s at this time, in line %(line)d")
                if in_file
                else _(
                    "%(audience)s already has %(course)s at this time (%(weekday)s, lesson "
                    "%(number)s)."
                )
            )
            % where,
        )


def commit_order(rows: list[RowPlan]) -> list[RowPlan]:
    """Changed entries first: an entry the file ends makes room for the one replacing it."""
    return sorted(rows, key=lambda r: r.status != RowStatus.CHANGED)


def apply_row(row: RowPlan, *, batch, actor: Actor, today, state: dict) -> None:
    if row.target is None:
        entry = TimetableEntry(**row.updates)
    else:
        entry = row.target
        for attr, value in row.updates.items():
            setattr(entry, attr, value)
    timetable_services.save_entry(entry=entry, actor=actor)
