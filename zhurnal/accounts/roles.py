"""What a staff member may do in Zhurnal: their roles in the school (DESIGN §1), set by the
administrator (``accounts.manage_users``), and shown on their staff card."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.school.models import Staff
from zhurnal.school.sections import PageAction, PageSection

from . import events
from .credentials import ensure_user
from .models import STAFF_ROLES, Membership, Role

STAFF_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in STAFF_ROLES]


def staff_roles_of(staff: Staff) -> set[str]:
    """The staff roles a staff member holds in their school (none without a login)."""
    if staff.user_id is None:
        return set()
    return set(
        Membership.objects.filter(
            user_id=staff.user_id, school_id=staff.school_id, role__in=STAFF_ROLES
        ).values_list("role", flat=True)
    )


@transaction.atomic
def set_staff_roles(*, staff: Staff, roles: set[str], actor: Actor) -> None:
    """The staff member's roles become ``roles``; a login is created on first use (its password
    is issued with the credentials page). Audited on the staff record."""
    current = staff_roles_of(staff)
    user = ensure_user(staff)
    Membership.objects.filter(
        user=user, school_id=staff.school_id, role__in=current - roles
    ).delete()
    Membership.objects.bulk_create(
        Membership(user=user, school_id=staff.school_id, role=role)
        for role in sorted(roles - current)
    )
    events.roles_set(staff, actor=actor, before=sorted(current), after=sorted(roles))


def roles_section(user, staff: Staff, today: date) -> PageSection:
    """The staff card's row of roles (every role of the school, not only the staff ones), and
    for the administrator the button to change them (``school.sections.STAFF_CARD``)."""
    roles = (
        Membership.objects.filter(user_id=staff.user_id, school_id=staff.school_id).values_list(
            "role", flat=True
        )
        if staff.user_id
        else []
    )
    actions = ()
    if user.has_perm("accounts.manage_users", staff.school):
        actions = (PageAction(_("Roles"), reverse("accounts:staff_roles", args=[staff.pk])),)
    return PageSection(
        actions=actions,
        template="accounts/_staff_roles_row.html",
        data={"roles": [Role(role).label for role in roles]},
    )
