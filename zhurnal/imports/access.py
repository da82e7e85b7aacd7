"""Who may import what (``core.access``): students — the administrator and the secretary; staff —
the administrator and HR; the timetable — the administrator and the deputy; a thematic plan —
who may edit that plan, imported from its page (its template: who may create plans). A batch is
reachable only by the user who uploaded it, in its school (another school's or another user's
batch is a 404), and only while they may import that kind (403)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from zhurnal.core.access import object_for
from zhurnal.planning.models import ThematicPlan
from zhurnal.school.models import School

from .models import ImportBatch, ImportKind

# School-wide kinds: the rule on the school.
KIND_PERMISSIONS = {
    ImportKind.STUDENTS: "school.import_students",
    ImportKind.STAFF: "school.import_staff",
    ImportKind.TIMETABLE: "timetable.manage",
}
PLAN_PERMISSION = "planning.edit_plan"
PLAN_TEMPLATE_PERMISSION = "planning.create_plan"


def may_import(user, school: School, kind: str, plan: ThematicPlan | None = None) -> bool:
    """A school-wide kind by its rule; a plan's items by the rule on that plan; without a plan,
    the plan kind asks for the right to create plans (its template)."""
    if kind == ImportKind.PLAN:
        if plan is None:
            return user.has_perm(PLAN_TEMPLATE_PERMISSION, school)
        return plan.school_id == school.pk and user.has_perm(PLAN_PERMISSION, plan)
    return kind in KIND_PERMISSIONS and user.has_perm(KIND_PERMISSIONS[kind], school)


def require_import(user, school: School, kind: str, plan: ThematicPlan | None = None) -> None:
    if not may_import(user, school, kind, plan):
        raise PermissionDenied


def allowed_kinds(user, school: School | None) -> list[ImportKind]:
    """The school-wide kinds the user may import (a plan is imported from its own page)."""
    if school is None:
        return []
    return [k for k, perm in KIND_PERMISSIONS.items() if user.has_perm(perm, school)]


def target_plan_for(user, school: School, plan_id: int) -> ThematicPlan:
    """The plan a file is imported into: of the school (404) and editable by the user (403)."""
    plans = ThematicPlan.objects.select_related("subject", "grade_level", "year")
    return object_for(user, school, plans, PLAN_PERMISSION, pk=plan_id)


def batch_for(user, school: School, batch_id: int) -> ImportBatch:
    """The user's own batch of the school, while they may import its kind."""
    batch = get_object_or_404(
        ImportBatch.objects.select_related("school", "plan"),
        pk=batch_id,
        school=school,
        uploaded_by=user,
    )
    if batch.kind == ImportKind.PLAN and batch.plan is None:
        raise PermissionDenied
    require_import(user, school, batch.kind, batch.plan)
    return batch
