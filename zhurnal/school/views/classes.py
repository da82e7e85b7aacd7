"""A class's page (its list, subgroups and courses) and the members of a group."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school
from zhurnal.core.forms import SchoolDateField

from .. import services
from ..access import class_for, group_for
from ..calendar import clamp_to_year, school_today
from ..models import Course
from ..queries import group_candidates, group_member_ids
from ..rosters import class_roster
from ..sections import CLASS_PAGE, sections_for


@login_required
def class_detail(request: HttpRequest, class_id: int) -> HttpResponse:
    """A class's list on the day (today, within the class's year), subgroups and courses, with
    what the apps above add about the class (``school.sections``: the diary's progress report
    and acknowledgements)."""
    user = request.user
    school_class = class_for(user, current_school(request), class_id, "school.view_class")
    today = school_today(school_class.school)
    day = clamp_to_year(today, school_class.year)
    sections = sections_for(CLASS_PAGE, user, school_class, today)
    return render(
        request,
        "school/class_detail.html",
        {
            "school_class": school_class,
            "students": class_roster(school_class, day),
            "day": day,
            "subgroups": school_class.subgroups.select_related("subject"),
            "courses": Course.objects.filter(school_class=school_class)
            .select_related("subject")
            .prefetch_related("teachers"),
            "can_see_cards": user.has_perm("school.view_register", school_class.school)
            or user.has_perm("accounts.issue_credentials", school_class),
            "can_issue": user.has_perm("accounts.issue_credentials", school_class),
            "actions": [action for section in sections for action in section.actions],
            "sections": [section for section in sections if section.template],
        },
    )


class MembersForm(forms.Form):
    students = forms.ModelMultipleChoiceField(
        label=gettext_lazy("members"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    day = SchoolDateField(
        label=gettext_lazy("from date"), widget=forms.DateInput(attrs={"type": "date"})
    )


@login_required
def group_members(request: HttpRequest, group_id: int) -> HttpResponse:
    """Split a class into subgroups (seed 000: the admin with class and subject teachers).

    Membership is dated: a student added or removed from a date keeps the history.
    """
    group = group_for(request.user, current_school(request), group_id, "school.manage_structure")
    day = clamp_to_year(school_today(group.school), group.year)
    current_ids = group_member_ids(group, day)
    form = MembersForm(request.POST or None, initial={"students": current_ids, "day": day})
    form.fields["students"].queryset = group_candidates(group, day)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_group_members(
                group=group,
                student_ids={s.pk for s in form.cleaned_data["students"]},
                since=form.cleaned_data["day"],
                members_on=day,
                actor=Actor.of(request),
            )
        except ValidationError as error:  # a closed year's group
            form.add_error(None, error)
        else:
            messages.success(request, _("Group members saved."))
            return redirect("school:group_members", group_id=group.pk)
    return render(request, "school/group_members.html", {"group": group, "form": form})
