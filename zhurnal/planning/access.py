"""Access entry points of the thematic plans (КТП, ``core.access``).

The rules (DESIGN §4): staff read the school's plans (``planning.view_plans``); a plan is edited
by its teachers and the deputy (``planning.edit_plan``); a course's plan is chosen by its
teachers and the deputy (``planning.choose_plan``); the administration creates any base plan, a
teacher one of a subject and grade level they teach (``may_create_plan_for``: issue 3, "one base
of plans per subject and grade level").
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from zhurnal.accounts.context import context
from zhurnal.accounts.models import Role
from zhurnal.core.access import object_for
from zhurnal.school.models import School

from .models import PlanItem, ThematicPlan
from .queries import plans_queryset


def plan_for(user, school, plan_id: int, perm: str) -> ThematicPlan:
    """A plan (with its totals, owner course and followers) if ``perm`` allows."""
    return object_for(user, school, plans_queryset(school), perm, pk=plan_id)


def plan_item_for(plan: ThematicPlan, item_id: int) -> PlanItem:
    """An item of a plan reached through ``plan_for`` (the plan's rule is the item's)."""
    return get_object_or_404(PlanItem, plan=plan, pk=item_id)


def may_create_plan_for(user, school: School, subject_id: int, grade_level_id: int) -> bool:
    """Whether the user may create a base plan of a subject and grade level: the
    administration any, a teacher only one they teach."""
    if not user.has_perm("planning.create_plan", school):
        return False
    ctx = context(user, school.pk)
    if ctx.roles & {Role.ADMIN, Role.DEPUTY}:
        return True
    return (subject_id, grade_level_id) in ctx.taught_subject_levels
