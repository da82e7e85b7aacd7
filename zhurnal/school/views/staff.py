"""Staff records (seed 002, 6.2.4: kept by the HR specialist). What a staff member may do in
Zhurnal (their roles) is set on the accounts' page (``accounts:staff_roles``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school, require, school_permission

from .. import events, services
from ..access import staff_for
from ..calendar import school_today
from ..forms import ConsentForm, StaffForm, StaffPositionForm
from ..models import Consent, Staff, StaffPosition
from ..sections import STAFF_CARD, sections_for

CONSENT_FIELDS = ConsentForm.Meta.fields


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
    return staff_for(request.user, current_school(request), staff_id, perm)


@login_required
def staff_card(request: HttpRequest, staff_id: int) -> HttpResponse:
    """A staff member's card; viewing it is recorded like a student's (152-FZ)."""
    staff = _staff(request, staff_id, "school.view_staff_card")
    events.personal_card_viewed(staff, actor=Actor.of(request))
    sections = sections_for(STAFF_CARD, request.user, staff, school_today(staff.school))
    return render(
        request,
        "school/staff/card.html",
        {
            "staff": staff,
            "positions": StaffPosition.objects.filter(staff=staff),
            "consents": Consent.objects.filter(staff=staff),
            "actions": [action for section in sections for action in section.actions],
            "sections": [section for section in sections if section.template],
            "led_classes": staff.led_classes.select_related("grade_level", "year"),
            "can_manage": request.user.has_perm("school.manage_staff", staff.school),
            "can_manage_users": request.user.has_perm("accounts.manage_users", staff.school),
        },
    )


@login_required
def staff_edit(request: HttpRequest, staff_id: int | None = None) -> HttpResponse:
    school = current_school(request)
    require(request.user, "school.manage_staff", school)
    staff = _staff(request, staff_id, "school.manage_staff") if staff_id else None
    form = StaffForm(request.POST or None, instance=staff, school=school)
    if request.method == "POST" and form.is_valid():
        saved = services.save_staff(
            staff=form.instance, data=form.cleaned_data, actor=Actor.of(request)
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
        position = services.add_staff_position(
            staff=staff, data=form.cleaned_data, actor=Actor.of(request)
        )
        messages.success(request, _("Saved: %(obj)s") % {"obj": position})
        return redirect("school:staff_card", staff_id=staff.pk)
    return render(request, "school/staff/position.html", {"form": form, "staff": staff})


@login_required
def staff_consent(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff = _staff(request, staff_id, "school.manage_staff")
    form = ConsentForm(request.POST or None, school=staff.school, instance=Consent(staff=staff))
    if request.method == "POST" and form.is_valid():
        services.record_consent(
            staff=staff,
            data={name: form.cleaned_data[name] for name in CONSENT_FIELDS},
            actor=Actor.of(request),
        )
        messages.success(request, _("The consent is recorded."))
        return redirect("school:staff_card", staff_id=staff.pk)
    return render(
        request,
        "school/consent.html",
        {"form": form, "person": staff, "back": None, "staff": staff},
    )
