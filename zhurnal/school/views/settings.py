"""The school's own settings and the index of its reference data."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.core.access import school_permission

from .. import services
from ..models import School
from ..specs import STRUCTURE_SPECS


class SchoolForm(forms.ModelForm):
    class Meta:
        model = School
        fields = list(services.SCHOOL_SETTINGS)


@school_permission("school.manage_settings")
def school_settings(request: HttpRequest) -> HttpResponse:
    school = request.school
    form = SchoolForm(request.POST or None, instance=school)
    if request.method == "POST" and form.is_valid():
        services.update_school_settings(
            school=school, data=form.cleaned_data, actor=Actor.of(request)
        )
        messages.success(request, _("School settings saved."))
        return redirect("school:settings")
    return render(request, "school/settings.html", {"form": form})


@school_permission("school.view_structure")
def structure_index(request: HttpRequest) -> HttpResponse:
    return render(request, "school/structure.html", {"specs": STRUCTURE_SPECS})
