"""The school's own settings and the index of its reference data."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhurnal.accounts.access import school_permission
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record
from zhurnal.school.models import School
from zhurnal.school.specs import STRUCTURE_SPECS


class SchoolForm(forms.ModelForm):
    class Meta:
        model = School
        fields = [
            "name",
            "short_name",
            "timezone",
            "week_days",
            "student_min_age",
            "address",
            "phone",
            "email",
        ]


@school_permission("school.manage_settings")
def school_settings(request: HttpRequest) -> HttpResponse:
    school = request.school
    before = forms.model_to_dict(school)
    form = SchoolForm(request.POST or None, instance=school)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            record(
                action=AuditAction.UPDATED,
                actor=Actor.of(request),
                obj=school,
                school=school,
                before=before,
                after=forms.model_to_dict(school),
            )
        messages.success(request, _("School settings saved."))
        return redirect("school:settings")
    return render(request, "school/settings.html", {"form": form})


@school_permission("school.view_structure")
def structure_index(request: HttpRequest) -> HttpResponse:
    return render(request, "school/structure.html", {"specs": STRUCTURE_SPECS})
