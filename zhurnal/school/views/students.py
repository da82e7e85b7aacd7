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
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school, require, school_permission

from .. import events, services
from ..access import guardian_link_for, student_for
from ..calendar import school_today
from ..forms import STUDENT_FIELDS, ConsentForm, GuardianForm, OrderForm, StudentForm
from ..models import Consent, Enrollment, Movement, SchoolClass, Student, StudentGuardian
from ..rosters import with_current_class

GUARDIAN_FIELDS = GuardianForm.Meta.fields
CONSENT_FIELDS = ConsentForm.Meta.fields


def _student(request: HttpRequest, student_id: int, perm: str) -> Student:
    return student_for(request.user, current_school(request), student_id, perm)


@school_permission("school.view_register")
def register(request: HttpRequest) -> HttpResponse:
    """All students of the school, filtered by class, name or file number; departed on demand."""
    school = request.school
    today = school_today(school)
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
            student = services.admit_new_student(
                school=school,
                card={name: form.cleaned_data[name] for name in STUDENT_FIELDS},
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
    events.personal_card_viewed(student, actor=Actor.of(request))
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
    form = StudentForm(request.POST or None, instance=student, school=student.school)
    if request.method == "POST" and form.is_valid():
        services.update_student(
            student=student,
            card={name: form.cleaned_data[name] for name in STUDENT_FIELDS},
            actor=Actor.of(request),
        )
        messages.success(request, _("Saved: %(obj)s") % {"obj": student})
        return redirect("school:student_card", student_id=student.pk)
    return render(request, "school/students/edit.html", {"form": form, "student": student})


@login_required
def export(request: HttpRequest, student_id: int) -> HttpResponse:
    """The personal data held about a student, as JSON (a subject access request, 152-FZ)."""
    student = _student(request, student_id, "school.view_student_card")
    links = StudentGuardian.objects.filter(student=student).select_related("guardian")
    payload = {
        "student": services.card_data(student),
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
    events.personal_data_exported(student, actor=Actor.of(request))
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="student-{student.personal_file_number}.json"'
    )
    return response


def _movement(request: HttpRequest, student_id: int, *, kind: str) -> HttpResponse:
    school = current_school(request)
    require(request.user, "school.manage_enrollment", school)
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
        guardian = services.add_guardian(
            student=student,
            data={name: form.cleaned_data[name] for name in GUARDIAN_FIELDS},
            relation=form.cleaned_data["relation"],
            actor=Actor.of(request),
        )
        messages.success(request, _("Saved: %(obj)s") % {"obj": guardian})
        return redirect("school:student_card", student_id=student.pk)
    return render(request, "school/students/guardian.html", {"form": form, "student": student})


@login_required
def guardian_edit(request: HttpRequest, student_id: int, guardian_id: int) -> HttpResponse:
    student = _student(request, student_id, "school.edit_student")
    link = guardian_link_for(student, guardian_id)
    form = GuardianForm(
        request.POST or None,
        instance=link.guardian,
        school=student.school,
        initial={"relation": link.relation},
    )
    if request.method == "POST" and form.is_valid():
        services.update_guardian(
            link=link,
            data={name: form.cleaned_data[name] for name in GUARDIAN_FIELDS},
            relation=form.cleaned_data["relation"],
            actor=Actor.of(request),
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
    guardian = guardian_link_for(student, guardian_id).guardian
    form = ConsentForm(
        request.POST or None, school=student.school, instance=Consent(guardian=guardian)
    )
    if request.method == "POST" and form.is_valid():
        services.record_consent(
            guardian=guardian,
            student=student,
            data={name: form.cleaned_data[name] for name in CONSENT_FIELDS},
            actor=Actor.of(request),
        )
        messages.success(request, _("The consent is recorded."))
        return redirect("school:student_card", student_id=student.pk)
    return render(
        request,
        "school/consent.html",
        {"form": form, "person": guardian, "back": student},
    )
