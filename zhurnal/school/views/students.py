"""The student register: personal cards, admissions, transfers, departures, guardians.

Seed 002, 6.2.3: the secretary keeps the register by the director's orders; 4.5: the class
teacher keeps the data of their class current. Viewing and exporting a personal card is logged
(152-FZ, DESIGN §3).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.accounts.access import current_school, get_in_school, require, school_permission
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record
from zhurnal.school import services
from zhurnal.school.forms import ConsentForm, GuardianForm, OrderForm, StudentForm
from zhurnal.school.models import (
    Consent,
    Enrollment,
    Guardian,
    Movement,
    SchoolClass,
    Student,
    StudentGuardian,
)
from zhurnal.school.queries import with_current_class


def _student(request: HttpRequest, student_id: int, perm: str) -> Student:
    qs = with_current_class(Student.objects.select_related("school"), timezone.localdate())
    return get_in_school(request, qs, perm, pk=student_id)


@school_permission("school.view_register")
def register(request: HttpRequest) -> HttpResponse:
    """All students of the school, filtered by class, name or file number; departed on demand."""
    school = request.school
    today = timezone.localdate()
    students = with_current_class(Student.objects.filter(school=school), today)
    query = request.GET.get("q", "").strip()
    if query:
        students = students.filter(
            Q(last_name__icontains=query)
            | Q(first_name__icontains=query)
            | Q(personal_file_number__iexact=query)
        )
    class_id = request.GET.get("class")
    if class_id and class_id.isdigit():
        students = students.filter(current_class_id=int(class_id))
    elif request.GET.get("departed") != "1":
        students = students.filter(current_class_id__isnull=False)
    page = Paginator(students.order_by("last_name", "first_name"), 50).get_page(
        request.GET.get("page")
    )
    classes = SchoolClass.objects.filter(
        school=school, year__start__lte=today, year__end__gte=today
    ).select_related("grade_level")
    class_names = {c.pk: c.name for c in classes}
    return render(
        request,
        "school/students/register.html",
        {
            "page": page,
            "rows": [(s, class_names.get(s.current_class_id)) for s in page.object_list],
            "classes": classes,
            "query": query,
            "class_id": class_id,
            "can_admit": request.user.has_perm("school.manage_enrollment", school),
        },
    )


@school_permission("school.manage_enrollment")
def admit(request: HttpRequest) -> HttpResponse:
    """A new personal card and its admission to a class by an order, in one step."""
    school = request.school
    form = StudentForm(request.POST or None, school=school)
    order_form = OrderForm(request.POST or None, school=school, prefix="order")
    if request.method == "POST" and form.is_valid() and order_form.is_valid():
        data = order_form.cleaned_data
        try:
            with transaction.atomic():
                student = form.save()
                services.admit_student(
                    student=student,
                    school_class=data["school_class"],
                    day=data["day"],
                    order=services.Order(data["order_number"], data["order_date"]),
                    actor=Actor.of(request),
                )
        except ValidationError as error:
            order_form.add_error(None, error)
        else:
            messages.success(request, _("Student admitted: %(name)s") % {"name": student})
            return redirect("school:student_card", student_id=student.pk)
    return render(request, "school/students/admit.html", {"form": form, "order_form": order_form})


@login_required
def card(request: HttpRequest, student_id: int) -> HttpResponse:
    """The personal card. Every view is recorded in the audit trail (who, when, whose)."""
    student = _student(request, student_id, "school.view_student_card")
    record(
        action=AuditAction.PERSONAL_CARD_VIEWED,
        actor=Actor.of(request),
        obj=student,
        student=student,
    )
    links = StudentGuardian.objects.filter(student=student).select_related("guardian")
    consents = Consent.objects.filter(guardian__in=[link.guardian for link in links])
    consents_by_guardian: dict[int, list[Consent]] = {}
    for consent in consents:
        consents_by_guardian.setdefault(consent.guardian_id, []).append(consent)
    current_class = (
        SchoolClass.objects.select_related("grade_level")
        .filter(pk=student.current_class_id)
        .first()
    )
    return render(
        request,
        "school/students/card.html",
        {
            "student": student,
            "current_class": current_class,
            "enrollments": Enrollment.objects.filter(student=student).select_related(
                "school_class__grade_level", "school_class__year"
            ),
            "movements": Movement.objects.filter(student=student).select_related(
                "from_class__grade_level", "to_class__grade_level"
            ),
            "guardians": [(link, consents_by_guardian.get(link.guardian_id, [])) for link in links],
            "can_edit": request.user.has_perm("school.edit_student", student),
            "can_move": request.user.has_perm("school.manage_enrollment", student.school),
            "can_issue": current_class is not None
            and request.user.has_perm("accounts.issue_credentials", current_class),
        },
    )


@login_required
def edit(request: HttpRequest, student_id: int) -> HttpResponse:
    student = _student(request, student_id, "school.edit_student")
    before = _card_data(student)
    form = StudentForm(request.POST or None, instance=student, school=student.school)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            record(
                action=AuditAction.UPDATED,
                actor=Actor.of(request),
                obj=student,
                student=student,
                before=before,
                after=_card_data(student),
            )
        messages.success(request, _("Saved: %(obj)s") % {"obj": student})
        return redirect("school:student_card", student_id=student.pk)
    return render(request, "school/students/edit.html", {"form": form, "student": student})


def _card_data(student: Student) -> dict:
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


@login_required
def export(request: HttpRequest, student_id: int) -> HttpResponse:
    """The personal data held about a student, as JSON (a subject access request, 152-FZ)."""
    student = _student(request, student_id, "school.view_student_card")
    links = StudentGuardian.objects.filter(student=student).select_related("guardian")
    payload = {
        "student": _card_data(student),
        "enrollments": [
            {
                "class": e.school_class.name,
                "year": e.school_class.year.title,
                "from": e.start.isoformat(),
                "to": e.end.isoformat() if e.end else None,
            }
            for e in Enrollment.objects.filter(student=student).select_related(
                "school_class__grade_level", "school_class__year"
            )
        ],
        "guardians": [
            {
                "relation": link.relation,
                "full_name": link.guardian.full_name,
                "phone": link.guardian.phone,
                "email": link.guardian.email,
                "address": link.guardian.address,
            }
            for link in links
        ],
        "exported_at": timezone.now().isoformat(),
    }
    record(
        action=AuditAction.PERSONAL_DATA_EXPORTED,
        actor=Actor.of(request),
        obj=student,
        student=student,
    )
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="student-{student.personal_file_number}.json"'
    )
    return response


def _movement(request: HttpRequest, student_id: int, *, kind: str) -> HttpResponse:
    school = current_school(request)
    require(request, "school.manage_enrollment", school)
    student = _student(request, student_id, "school.view_student_card")
    form = OrderForm(
        request.POST or None,
        school=school,
        with_class=kind == "transfer",
        with_note=kind == "depart",
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        order = services.Order(data["order_number"], data["order_date"])
        try:
            if kind == "transfer":
                services.transfer_student(
                    student=student,
                    school_class=data["school_class"],
                    day=data["day"],
                    order=order,
                    actor=Actor.of(request),
                )
            else:
                services.depart_student(
                    student=student,
                    day=data["day"],
                    order=order,
                    note=data.get("note", ""),
                    actor=Actor.of(request),
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The movement is recorded."))
            return redirect("school:student_card", student_id=student.pk)
    return render(
        request,
        "school/students/movement.html",
        {"form": form, "student": student, "kind": kind},
    )


@login_required
def transfer(request: HttpRequest, student_id: int) -> HttpResponse:
    return _movement(request, student_id, kind="transfer")


@login_required
def depart(request: HttpRequest, student_id: int) -> HttpResponse:
    return _movement(request, student_id, kind="depart")


@login_required
def guardian_add(request: HttpRequest, student_id: int) -> HttpResponse:
    student = _student(request, student_id, "school.edit_student")
    form = GuardianForm(request.POST or None, school=student.school)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            guardian = form.save()
            StudentGuardian.objects.create(
                school=student.school,
                student=student,
                guardian=guardian,
                relation=form.cleaned_data["relation"],
            )
            record(
                action=AuditAction.CREATED,
                actor=Actor.of(request),
                obj=guardian,
                student=student,
                after={"relation": form.cleaned_data["relation"]},
            )
        messages.success(request, _("Saved: %(obj)s") % {"obj": guardian})
        return redirect("school:student_card", student_id=student.pk)
    return render(request, "school/students/guardian.html", {"form": form, "student": student})


@login_required
def guardian_edit(request: HttpRequest, student_id: int, guardian_id: int) -> HttpResponse:
    student = _student(request, student_id, "school.edit_student")
    link = get_object_or_404(
        StudentGuardian.objects.select_related("guardian"), student=student, guardian=guardian_id
    )
    form = GuardianForm(
        request.POST or None,
        instance=link.guardian,
        school=student.school,
        initial={"relation": link.relation},
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            link.relation = form.cleaned_data["relation"]
            link.save(update_fields=["relation"])
            record(
                action=AuditAction.UPDATED,
                actor=Actor.of(request),
                obj=link.guardian,
                student=student,
                after={"relation": link.relation},
            )
        messages.success(request, _("Saved: %(obj)s") % {"obj": link.guardian})
        return redirect("school:student_card", student_id=student.pk)
    return render(
        request,
        "school/students/guardian.html",
        {"form": form, "student": student, "guardian": link.guardian},
    )


@login_required
def guardian_consent(request: HttpRequest, student_id: int, guardian_id: int) -> HttpResponse:
    """Record a guardian's consent to personal data processing (152-FZ)."""
    student = _student(request, student_id, "school.edit_student")
    guardian = get_object_or_404(Guardian, pk=guardian_id, child_links__student=student)
    form = ConsentForm(
        request.POST or None, school=student.school, instance=Consent(guardian=guardian)
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            consent = form.save()
            record(
                action=AuditAction.CREATED,
                actor=Actor.of(request),
                obj=consent,
                student=student,
                after={"given_on": str(consent.given_on), "document": consent.document},
            )
        messages.success(request, _("The consent is recorded."))
        return redirect("school:student_card", student_id=student.pk)
    return render(
        request,
        "school/consent.html",
        {"form": form, "person": guardian, "back": student},
    )
