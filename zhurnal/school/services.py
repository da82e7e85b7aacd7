"""Use cases of the school's structure and people: one function each, checking the facts,
writing and auditing (``events``) in one transaction. The callers have checked who may act
(``school.access``, ``core.access``).

Movements of the contingent follow the director's orders (DESIGN §2 "Приказ"): every admission,
transfer and departure carries the order number and date, and closes or opens a dated
Enrollment. Nothing is deleted: the history is the record. Personal cards, guardians, consents,
staff records, the school's settings and its reference data are written from validated data
(a page's form or an API call: ``core.records``), their values before and after audited.
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
from .models import (
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


@transaction.atomic
def admit_student(
    *, student: Student, school_class: SchoolClass, day: date, order: Order, actor: Actor
) -> Movement:
    """Admission (зачисление) of a student, who must not be enrolled anywhere at the moment."""
    if school_class.school_id != student.school_id:
        raise ValidationError(_("The class belongs to another school."))
    if _open_enrollment(student) is not None:
        raise ValidationError(_("The student is already enrolled; use a transfer instead."))
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
    ones join; the history of who was in it stays (DESIGN §2)."""
    current = GroupMembership.objects.filter(enrolled_on(members_on), group=group)
    current_ids = set(current.values_list("student_id", flat=True))
    for membership in current.filter(student_id__in=current_ids - student_ids):
        membership.end = max(since, membership.start)
        membership.save(update_fields=["end"])
    GroupMembership.objects.bulk_create(
        GroupMembership(school_id=group.school_id, group=group, student_id=pk, start=since)
        for pk in sorted(student_ids - current_ids)
    )
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
    changed, from validated ``data``; audited with the values before and after."""
    fields = list(data)
    if obj.pk is None:
        write(obj, data)
        events.record_created(obj, actor=actor, after=snapshot(obj, fields))
        return obj
    before = snapshot(fresh(obj), fields)
    write(obj, data)
    events.record_changed(obj, actor=actor, before=before, after=snapshot(obj, fields))
    return obj


@transaction.atomic
def delete_record(*, obj: models.Model, fields, actor: Actor) -> None:
    """Delete a reference record; ``ProtectedError`` (nothing deleted) while other records
    refer to it."""
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
