"""A class's page (its list, subgroups and courses) and the members of a group."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhurnal.accounts.access import get_in_school
from zhurnal.audit.actor import Actor
from zhurnal.audit.models import AuditAction
from zhurnal.audit.services import record
from zhurnal.diary.informing import informing_status
from zhurnal.school.models import Course, Group, GroupMembership, SchoolClass
from zhurnal.school.queries import class_roster, enrolled_on


@login_required
def class_detail(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = get_in_school(
        request,
        SchoolClass.objects.select_related("grade_level", "year", "class_teacher"),
        "school.view_class",
        pk=class_id,
    )
    today = timezone.localdate()
    day = min(max(today, school_class.year.start), school_class.year.end)
    user = request.user
    # Whether the families were informed by the fortnightly progress report (seed 002,
    # regulation 2.2.2), for whoever may see the report: the class teacher, and the
    # administration checking it. One query, only for them.
    can_view_report = user.has_perm("diary.progress_report", school_class)
    report_informing = (
        informing_status(school_class, today, ZoneInfo(request.school.timezone))
        if can_view_report
        else None
    )
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
            # Who of the class acknowledged the term marks (issue 5): the class teacher and the
            # administration; from the request's permission context, no query.
            "can_view_acknowledgements": user.has_perm("diary.view_acknowledgements", school_class),
            "can_view_report": can_view_report,
            "informing": report_informing,
        },
    )


class MembersForm(forms.Form):
    students = forms.ModelMultipleChoiceField(
        label=gettext_lazy("members"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    day = forms.DateField(
        label=gettext_lazy("from date"), widget=forms.DateInput(attrs={"type": "date"})
    )


@login_required
def group_members(request: HttpRequest, group_id: int) -> HttpResponse:
    """Split a class into subgroups (seed 000: the admin with class and subject teachers).

    Membership is dated: a student added or removed from a date keeps the history.
    """
    group = get_in_school(
        request,
        Group.objects.select_related("school_class__grade_level", "year"),
        "school.manage_structure",
        pk=group_id,
    )
    today = timezone.localdate()
    day = min(max(today, group.year.start), group.year.end)
    if group.school_class_id:
        candidates = class_roster(group.school_class, day)
    else:
        from zhurnal.school.models import Student

        candidates = (
            Student.objects.filter(school=group.school, enrollments__school_class__year=group.year)
            .distinct()
            .order_by("last_name", "first_name")
        )
    current = GroupMembership.objects.filter(enrolled_on(day), group=group)
    current_ids = set(current.values_list("student_id", flat=True))
    form = MembersForm(request.POST or None, initial={"students": current_ids, "day": day})
    form.fields["students"].queryset = candidates
    if request.method == "POST" and form.is_valid():
        chosen = {s.pk for s in form.cleaned_data["students"]}
        since = form.cleaned_data["day"]
        with transaction.atomic():
            for membership in current.filter(student_id__in=current_ids - chosen):
                membership.end = max(since, membership.start)
                membership.save(update_fields=["end"])
            GroupMembership.objects.bulk_create(
                GroupMembership(school=group.school, group=group, student_id=pk, start=since)
                for pk in chosen - current_ids
            )
            record(
                action=AuditAction.UPDATED,
                actor=Actor.of(request),
                obj=group,
                before={"members": sorted(current_ids)},
                after={"members": sorted(chosen), "from": since.isoformat()},
            )
        messages.success(request, _("Group members saved."))
        return redirect("school:group_members", group_id=group.pk)
    return render(request, "school/group_members.html", {"group": group, "form": form})
