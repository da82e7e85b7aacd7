"""Use cases of the student register: one function each, checking the rule, writing, auditing.

Movements of the contingent follow the director's orders (DESIGN §2 "Приказ"): every admission,
transfer and departure carries the order number and date, and closes or opens a dated
Enrollment. Nothing is deleted: the history is the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record

from .models import Enrollment, Movement, MovementKind, SchoolClass, Student


@dataclass(frozen=True)
class Order:
    number: str
    date: date


def _open_enrollment(student: Student) -> Enrollment | None:
    return Enrollment.objects.filter(student=student, end__isnull=True).first()


def _record_movement(movement: Movement, *, actor: Actor) -> None:
    record(
        action=AuditAction.MOVEMENT,
        actor=actor,
        obj=movement.student,
        student=movement.student,
        after={
            "kind": movement.kind,
            "date": movement.date.isoformat(),
            "from_class": str(movement.from_class) if movement.from_class else None,
            "to_class": str(movement.to_class) if movement.to_class else None,
            "order": f"{movement.order_number} от {movement.order_date:%d.%m.%Y}",
        },
    )


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
    _record_movement(movement, actor=actor)
    return movement


@transaction.atomic
def transfer_student(
    *, student: Student, school_class: SchoolClass, day: date, order: Order, actor: Actor
) -> Movement:
    """Transfer to another class from ``day``: the old enrollment ends the day before."""
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
    )
    _record_movement(movement, actor=actor)
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
    _record_movement(movement, actor=actor)
    return movement
