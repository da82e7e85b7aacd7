"""Staff records (seed 002, 6.2.4: kept by the HR specialist) and their roles in the system."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhurnal.accounts.access import current_school, get_in_school, require, school_permission
from zhurnal.accounts.models import STAFF_ROLES, Membership, Role
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record
from zhurnal.school.forms import ConsentForm, StaffForm, StaffPositionForm
from zhurnal.school.models import Consent, Staff, StaffPosition


@school_permission("school.view_staff")
def staff_list(request: HttpRequest) -> HttpResponse:
    school = request.school
    staff = (
        Staff.objects.filter(school=school)
        .prefetch_related("positions")
        .order_by("-is_active", "last_name", "first_name")
    )
    return render(
        request,
        "school/staff/list.html",
        {
            "staff": staff,
            "can_manage": request.user.has_perm("school.manage_staff", school),
            "can_see_cards": request.user.has_perm("school.view_staff_card", school),
        },
    )


def _staff(request: HttpRequest, staff_id: int, perm: str) -> Staff:
    staff = get_in_school(
        request, Staff.objects.select_related("user"), "school.view_staff", pk=staff_id
    )
    require(request, perm, staff.school)
    return staff


@login_required
def staff_card(request: HttpRequest, staff_id: int) -> HttpResponse:
    """A staff member's card; viewing it is recorded like a student's (152-FZ)."""
    staff = _staff(request, staff_id, "school.view_staff_card")
    record(action=AuditAction.PERSONAL_CARD_VIEWED, actor=Actor.of(request), obj=staff)
    roles = (
        Membership.objects.filter(user=staff.user, school=staff.school).values_list(
            "role", flat=True
        )
        if staff.user
        else []
    )
    return render(
        request,
        "school/staff/card.html",
        {
            "staff": staff,
            "positions": StaffPosition.objects.filter(staff=staff),
            "consents": Consent.objects.filter(staff=staff),
            "roles": [Role(r).label for r in roles],
            "led_classes": staff.led_classes.select_related("grade_level", "year"),
            "can_manage": request.user.has_perm("school.manage_staff", staff.school),
            "can_manage_users": request.user.has_perm("accounts.manage_users", staff.school),
        },
    )


@login_required
def staff_edit(request: HttpRequest, staff_id: int | None = None) -> HttpResponse:
    school = current_school(request)
    require(request, "school.manage_staff", school)
    staff = _staff(request, staff_id, "school.manage_staff") if staff_id else None
    form = StaffForm(request.POST or None, instance=staff, school=school)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            record(
                action=AuditAction.UPDATED if staff else AuditAction.CREATED,
                actor=Actor.of(request),
                obj=saved,
                after={k: str(v) for k, v in form.cleaned_data.items()},
            )
        messages.success(request, _("Saved: %(obj)s") % {"obj": saved})
        return redirect("school:staff_card", staff_id=saved.pk)
    return render(request, "school/staff/edit.html", {"form": form, "staff": staff})


@login_required
def staff_position_add(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff = _staff(request, staff_id, "school.manage_staff")
    form = StaffPositionForm(
        request.POST or None, school=staff.school, instance=StaffPosition(staff=staff)
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            position = form.save()
            record(
                action=AuditAction.CREATED,
                actor=Actor.of(request),
                obj=position,
                after={"staff": staff.pk, "title": position.title},
            )
        messages.success(request, _("Saved: %(obj)s") % {"obj": form.instance})
        return redirect("school:staff_card", staff_id=staff.pk)
    return render(request, "school/staff/position.html", {"form": form, "staff": staff})


@login_required
def staff_consent(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff = _staff(request, staff_id, "school.manage_staff")
    form = ConsentForm(request.POST or None, school=staff.school, instance=Consent(staff=staff))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            consent = form.save()
            record(
                action=AuditAction.CREATED,
                actor=Actor.of(request),
                obj=consent,
                after={"given_on": str(consent.given_on)},
            )
        messages.success(request, _("The consent is recorded."))
        return redirect("school:staff_card", staff_id=staff.pk)
    return render(
        request,
        "school/consent.html",
        {"form": form, "person": staff, "back": None, "staff": staff},
    )


STAFF_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in STAFF_ROLES]


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("roles"),
        choices=STAFF_ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


@login_required
def staff_roles(request: HttpRequest, staff_id: int) -> HttpResponse:
    """The administrator sets what a staff member may do (DESIGN §1). A login is created on
    first use; its password is issued with the credentials page."""
    staff = _staff(request, staff_id, "accounts.manage_users")
    current = (
        set(
            Membership.objects.filter(
                user=staff.user, school=staff.school, role__in=STAFF_ROLES
            ).values_list("role", flat=True)
        )
        if staff.user
        else set()
    )
    form = RolesForm(request.POST or None, initial={"roles": sorted(current)})
    if request.method == "POST" and form.is_valid():
        from zhurnal.accounts.credentials import ensure_user

        chosen = set(form.cleaned_data["roles"])
        with transaction.atomic():
            user = ensure_user(staff)
            Membership.objects.filter(
                user=user, school=staff.school, role__in=current - chosen
            ).delete()
            Membership.objects.bulk_create(
                Membership(user=user, school=staff.school, role=role) for role in chosen - current
            )
            record(
                action=AuditAction.UPDATED,
                actor=Actor.of(request),
                obj=staff,
                before={"roles": sorted(current)},
                after={"roles": sorted(chosen)},
            )
        messages.success(request, _("Roles saved."))
        return redirect("school:staff_card", staff_id=staff.pk)
    return render(request, "school/staff/roles.html", {"form": form, "staff": staff})
