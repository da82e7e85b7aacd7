"""Starting a real school (instead of the demo): the school with its grade levels 1–11, the
grading rule of grade 1 and its first administrator with a one-time password. The
administrator sets up everything else from the pages (structure, staff, imports)."""

from __future__ import annotations

import secrets
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from zhurnal.accounts.models import Membership, Role, User
from zhurnal.audit.actor import Actor
from zhurnal.journal.models import ScaleRule
from zhurnal.journal.scales import ScaleKind
from zhurnal.school import events as school_events
from zhurnal.school.models import GradeLevel, School, Staff, TermKind

PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class NewSchool:
    school: School
    admin: User
    password: str  # the administrator's one-time password, shown once


@transaction.atomic
def create_school(
    *,
    name: str,
    short_name: str,
    timezone: str,
    week_days: int,
    admin_login: str,
    admin_last_name: str,
    admin_first_name: str,
    actor: Actor,
) -> NewSchool:
    """A school with grade levels 1–11 (quarters for 1–9, halves for 10–11, the common choice:
    DESIGN §2), grade 1 without marks, and its first administrator, who must change the
    one-time password at the first login. Audited as the school's first event."""
    if timezone not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown time zone: {timezone}")
    if User.objects.filter(username=admin_login).exists():
        raise ValidationError(f"The login {admin_login} is taken.")
    school = School.objects.create(
        name=name, short_name=short_name, timezone=timezone, week_days=week_days
    )
    levels = GradeLevel.objects.bulk_create(
        GradeLevel(school=school, number=n, term_kind=TermKind.QUARTER if n <= 9 else TermKind.HALF)
        for n in range(1, 12)
    )
    # Grade 1 learns without marks (безотметочное обучение: letter of the Ministry of
    # Education No. 13-51-120/13 of 03.06.2003; issue 4, "grade 1"): a scale rule the school
    # sees and may change on the journal settings page.
    ScaleRule.objects.create(school=school, grade_level=levels[0], scale=ScaleKind.NONE)
    password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))
    admin = User.objects.create_user(
        username=admin_login,
        password=password,
        last_name=admin_last_name,
        first_name=admin_first_name,
        must_change_password=True,
    )
    Staff.objects.create(
        school=school,
        user=admin,
        staff_number=f"ADM-{admin.pk}",
        last_name=admin_last_name,
        first_name=admin_first_name or "—",
    )
    Membership.objects.create(user=admin, school=school, role=Role.ADMIN)
    school_events.record_created(
        school, actor=actor, after={"name": name, "administrator": admin_login}
    )
    return NewSchool(school, admin, password)
