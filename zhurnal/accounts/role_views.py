"""The page where the administrator sets what a staff member may do (DESIGN §1)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhurnal.audit.actor import Actor
from zhurnal.core.access import current_school
from zhurnal.school.access import staff_for

from .roles import STAFF_ROLE_CHOICES, set_staff_roles, staff_roles_of


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("roles"),
        choices=STAFF_ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


@login_required
def staff_roles(request: HttpRequest, staff_id: int) -> HttpResponse:
    """The staff member's roles (``accounts.manage_users``). A login is created on first use;
    its password is issued with the credentials page."""
    staff = staff_for(request.user, current_school(request), staff_id, "accounts.manage_users")
    form = RolesForm(request.POST or None, initial={"roles": sorted(staff_roles_of(staff))})
    if request.method == "POST" and form.is_valid():
        set_staff_roles(staff=staff, roles=set(form.cleaned_data["roles"]), actor=Actor.of(request))
        messages.success(request, _("Roles saved."))
        return redirect("school:staff_card", staff_id=staff.pk)
    return render(request, "accounts/staff_roles.html", {"form": form, "staff": staff})
