"""Use cases of the school's structure and people: one function each, checking the facts,
writing and auditing (``events``) in one transaction. The callers have checked who may act
(``school.access``, ``core.access``).

Movements of the contingent follow the director's orders (DESIGN §2 "Приказ"): every admission,
transfer and departure carries the order number and date, and closes or opens a dated
Enrollment. Nothing is deleted: the history is the record. Personal cards, guardians, consents,
staff records, the school's settings and its reference data are written from validated data
(a page's form or an API call: ``core.records``), their values before and after audited.

A closed academic year is read-only here too (issue 13: closing makes the year read-only;
``AcademicYear.closed_at``): its classes, groups, courses, curriculum lines, terms and holidays
are not created, changed or deleted, its groups' members are not changed, and no movement
changes who was in a class on one of its days (``check_year_open``, ``check_lists_open``).
The promotion (``yearend.services``) passes: it graduates students on the closed year's last
day (the enrollment ends that day, as it would) and transfers the others from the next year's
first day, so nothing of the closed year's days changes. A correction needs the year opened
again by the secretary or the director on the year-end page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.core.records import fresh, snapshot, write

from . import events
from .calendar import closed_year_between
from .courses import bump_journal_versions
from .models import (
    AcademicYear,
    Consent,
    Enrollment,
    Group,
    GroupMembership,
    Guardian,
    Movement,
    MovementKind,
    School,
    SchoolClass,
    Staff,
    StaffPosition,
    Student,
    StudentGuardian,
)
from .rosters import enrolled_on


@dataclass(frozen=True)
class Order:
    number: str
    date: date


def _open_enrollment(student: Student) -> Enrollment | None:
    return Enrollment.objects.filter(student=student, end__isnull=True).first()


def check_year_open(year: AcademicYear | None) -> None:
    """Refuse a change of a closed year's records: its classes, groups, courses, curriculum,
    terms and holidays, the members of its classes and groups (no query when the year is
    loaded with the record)."""
    if year is not None and year.is_closed:
        raise ValidationError(
            _(
                "The academic year %(title)s is closed: its classes, groups, courses and "
                "curriculum are read-only, and so are its class lists and group members. The "
                "secretary or the director can open the year again on the year-end page."
            )
            % {"title": year.title},
            code="year_closed",
        )


def check_lists_open(school_id: int, since: date) -> None:
    """Refuse a movement that changes the class lists from ``since`` on when a closed year
    has a day on or after it (one query): a movement dated after a closed year's end changes
    nothing of it."""
    closed = closed_year_between(school_id, since, date.max)
    if closed is not None:
        raise ValidationError(
            _(
                "The academic year %(title)s is closed: its class lists are read-only, and a "
                "movement dated %(day)s would change them. The secretary or the director can "
                "open the year again on the year-end page."
            )
            % {"title": closed.title, "day": f"{since:%d.%m.%Y}"},
            code="year_closed",
        )


def _year_of(record: models.Model) -> AcademicYear | None:
    """The academic year a reference record belongs to (the year itself for a year); None for
    the school's records of no year (grade levels, subjects)."""
    if isinstance(record, AcademicYear):
        return record
    if getattr(record, "year_id", None) is None:
        return None
    return record.year


@transaction.atomic
def admit_student(
    *, student: Student, school_class: SchoolClass, day: date, order: Order, actor: Actor
) -> Movement:
    """Admission (зачисление) of a student, who must not be enrolled anywhere at the moment."""
    if school_class.school_id != student.school_id:
        raise ValidationError(_("The class belongs to another school."))
    if _open_enrollment(student) is not None:
        raise ValidationError(_("The student is already enrolled; use a transfer instead."))
    check_lists_open(student.school_id, day)
    check_year_open(school_class.year)
    Enrollment.objects.create(
        school_id=student.school_id, student=student, school_class=school_class, start=day
    )
    movement = Movement.objects.create(
        school_id=student.school_id,
        student=student,
        kind=MovementKind.ADMISSION,
        date=day,
        to_class=school_class,
        order_number=order.number,
        order_date=order.date,
    )
    events.movement_recorded(movement, actor=actor)
    return movement


@transaction.atomic
def transfer_student(
    *,
    student: Student,
    school_class: SchoolClass,
    day: date,
    order: Order,
    note: str = "",
    actor: Actor,
) -> Movement:
    """Transfer to another class from ``day``: the old enrollment ends the day before (also
    the promotion to the next year's class, with its note: ``yearend.services``)."""
    current = _open_enrollment(student)
    if current is None:
        raise ValidationError(_("The student is not enrolled in any class."))
    if current.school_class_id == school_class.pk:
        raise ValidationError(_("The student is already in this class."))
    if school_class.school_id != student.school_id:
        raise ValidationError(_("The class belongs to another school."))
    if day <= current.start:
        raise ValidationError(_("The transfer date must be after the current enrollment began."))
    check_lists_open(student.school_id, day)
    check_year_open(school_class.year)
    current.end = day - timedelta(days=1)
    current.save(update_fields=["end"])
    Enrollment.objects.create(
        school_id=student.school_id, student=student, school_class=school_class, start=day
    )
    movement = Movement.objects.create(
        school_id=student.school_id,
        student=student,
        kind=MovementKind.TRANSFER,
        date=day,
        from_class=current.school_class,
        to_class=school_class,
        order_number=order.number,
        order_date=order.date,
        note=note,
    )
    events.movement_recorded(movement, actor=actor)
    return movement


@transaction.atomic
def depart_student(
    *, student: Student, day: date, order: Order, note: str = "", actor: Actor
) -> Movement:
    """Departure (выбытие): the enrollment ends on ``day``; the card stays in the register."""
    current = _open_enrollment(student)
    if current is None:
        raise ValidationError(_("The student is not enrolled in any class."))
    if day < current.start:
        raise ValidationError(_("The departure date is before the enrollment began."))
    # Enrolled to the end of ``day``: a departure on a closed year's last day (a graduation
    # at the year end) leaves its lists as they were.
    check_lists_open(student.school_id, day + timedelta(days=1))
    current.end = day
    current.save(update_fields=["end"])
    movement = Movement.objects.create(
        school_id=student.school_id,
        student=student,
        kind=MovementKind.DEPARTURE,
        date=day,
        from_class=current.school_class,
        order_number=order.number,
        order_date=order.date,
        note=note,
    )
    events.movement_recorded(movement, actor=actor)
    return movement


@transaction.atomic
def set_group_members(
    *, group: Group, student_ids: set[int], since: date, members_on: date, actor: Actor
) -> None:
    """The members of a group from ``since`` on, against its members on ``members_on`` (the
    day the page showed): those left out end their membership (not before it began), the new
    ones join; the history of who was in it stays (DESIGN §2). Refused for a closed year's
    group."""
    check_year_open(group.year)
    current = GroupMembership.objects.filter(enrolled_on(members_on), group=group)
    current_ids = set(current.values_list("student_id", flat=True))
    for membership in current.filter(student_id__in=current_ids - student_ids):
        membership.end = max(since, membership.start)
        membership.save(update_fields=["end"])
    GroupMembership.objects.bulk_create(
        GroupMembership(school_id=group.school_id, group=group, student_id=pk, start=since)
        for pk in sorted(student_ids - current_ids)
    )
    bump_journal_versions(group.courses.all())  # no signals for bulk_create
    events.record_changed(
        group,
        actor=actor,
        before={"members": sorted(current_ids)},
        after={"members": sorted(student_ids), "from": since.isoformat()},
    )


# --- reference data: years, terms, holidays, classes, groups, subjects, curriculum, courses ----


@transaction.atomic
def save_record(*, obj: models.Model, data: dict, actor: Actor) -> models.Model:
    """A record of the school's reference data, new (``obj`` unsaved, its school set) or
    changed, from validated ``data``; audited with the values before and after. Refused for
    a record of a closed year, or one moved into or out of a closed year."""
    fields = list(data)
    stored = fresh(obj) if obj.pk is not None else None
    check_year_open(_year_of(data.get("year", obj)))
    if stored is None:
        write(obj, data)
        events.record_created(obj, actor=actor, after=snapshot(obj, fields))
        return obj
    check_year_open(_year_of(stored))
    before = snapshot(stored, fields)
    write(obj, data)
    events.record_changed(obj, actor=actor, before=before, after=snapshot(obj, fields))
    return obj


@transaction.atomic
def delete_record(*, obj: models.Model, fields, actor: Actor) -> None:
    """Delete a reference record; ``ProtectedError`` (nothing deleted) while other records
    refer to it; refused for a record of a closed year."""
    check_year_open(_year_of(obj))
    events.record_deleted(obj, actor=actor, before=snapshot(obj, fields))
    obj.delete()


# --- personal cards, guardians, consents (seed 002, 6.2.3; 152-FZ) ----------------------------


def card_data(student: Student) -> dict:
    """A student's personal data as the audit and the export (152-FZ) show it."""
    return {
        "last_name": student.last_name,
        "first_name": student.first_name,
        "middle_name": student.middle_name,
        "personal_file_number": student.personal_file_number,
        "birth_date": student.birth_date.isoformat() if student.birth_date else None,
        "gender": student.gender,
        "phone": student.phone,
        "email": student.email,
        "address": student.address,
    }


@transaction.atomic
def admit_new_student(
    *,
    school: School,
    card: dict,
    school_class: SchoolClass,
    day: date,
    order: Order,
    actor: Actor,
) -> Student:
    """A new personal card and its admission to a class by an order, in one step: nothing is
    kept if the admission is refused."""
    student = write(Student(school=school), card)
    admit_student(student=student, school_class=school_class, day=day, order=order, actor=actor)
    return student


@transaction.atomic
def update_student(*, student: Student, card: dict, actor: Actor) -> Student:
    """A change of a personal card, its data before and after audited."""
    before = card_data(fresh(student))
    write(student, card)
    events.record_changed(
        student, actor=actor, before=before, after=card_data(student), student=student
    )
    return student


@transaction.atomic
def add_guardian(*, student: Student, data: dict, relation: str, actor: Actor) -> Guardian:
    """A new guardian (законный представитель) of a student, with how they are related."""
    guardian = write(Guardian(school_id=student.school_id), data)
    StudentGuardian.objects.create(
        school_id=student.school_id, student=student, guardian=guardian, relation=relation
    )
    events.record_created(guardian, actor=actor, after={"relation": relation}, student=student)
    return guardian


@transaction.atomic
def update_guardian(*, link: StudentGuardian, data: dict, relation: str, actor: Actor) -> Guardian:
    """A change of a guardian's data and of how they are related to the student."""
    guardian = write(link.guardian, data)
    link.relation = relation
    link.save(update_fields=["relation"])
    events.record_changed(
        guardian, actor=actor, before=None, after={"relation": relation}, student=link.student
    )
    return guardian


@transaction.atomic
def record_consent(
    *,
    data: dict,
    actor: Actor,
    guardian: Guardian | None = None,
    staff: Staff | None = None,
    student: Student | None = None,
) -> Consent:
    """A guardian's or a staff member's consent to the processing of personal data (152-FZ);
    ``student``: the card the guardian's consent was recorded from."""
    school_id = (guardian or staff).school_id
    consent = write(Consent(school_id=school_id, guardian=guardian, staff=staff), data)
    after = {"given_on": str(consent.given_on)}
    if guardian is not None:
        after["document"] = consent.document
    events.record_created(consent, actor=actor, after=after, student=student)
    return consent


# --- staff records (seed 002, 6.2.4) and the school's settings -------------------------------


@transaction.atomic
def save_staff(*, staff: Staff, data: dict, actor: Actor) -> Staff:
    """A new staff record (``staff`` unsaved, its school set) or a change of one."""
    created = staff.pk is None
    write(staff, data)
    after = {key: str(value) for key, value in data.items()}
    if created:
        events.record_created(staff, actor=actor, after=after)
    else:
        events.record_changed(staff, actor=actor, before=None, after=after)
    return staff


@transaction.atomic
def add_staff_position(*, staff: Staff, data: dict, actor: Actor) -> StaffPosition:
    """A position a staff member holds (учитель математики, заместитель директора по УВР…)."""
    position = write(StaffPosition(school_id=staff.school_id, staff=staff), data)
    events.record_created(position, actor=actor, after={"staff": staff.pk, "title": position.title})
    return position


SCHOOL_SETTINGS = (
    "name",
    "short_name",
    "timezone",
    "week_days",
    "student_min_age",
    "address",
    "phone",
    "email",
)


@transaction.atomic
def update_school_settings(*, school: School, data: dict, actor: Actor) -> School:
    """The school's own settings: names, time zone, school week, the students' login age."""
    before = snapshot(fresh(school), SCHOOL_SETTINGS)
    write(school, data)
    events.record_changed(
        school, actor=actor, before=before, after=snapshot(school, SCHOOL_SETTINGS)
    )
    return school
