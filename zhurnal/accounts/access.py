"""Access entry points of accounts (``core.access``): the school an API call names, the user's
own staff record, and who may issue logins and one-time passwords to whom (DESIGN §1, §4)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from zhurnal.core.access import in_school, require
from zhurnal.school.calendar import school_today
from zhurnal.school.models import SchoolClass, Staff

from .context import context
from .credentials import Person, class_day, classes_of, kind_of
from .memberships import memberships_of
from .models import STAFF_ROLES, ApiToken, ExternalIdentity


def school_for(user, school_id: int, perm: str):
    """The school an API path names, if the user holds a role there (else 404: a school of
    others is not confirmed to exist) and ``perm`` allows (else 403). No query: the user's
    schools come with their memberships."""
    ctx = context(user, school_id)
    if ctx is None or not ctx.roles:
        raise Http404
    school = memberships_of(user)[school_id].school
    require(user, perm, school)
    return school


def own_token_for(user, token_id: int) -> ApiToken:
    """One of the user's tokens in use; another user's token is a 404, like any object the
    user cannot reach."""
    return get_object_or_404(ApiToken, pk=token_id, user=user, revoked_at__isnull=True)


def own_identity_for(user, identity_id: int) -> ExternalIdentity:
    """One of the user's linked regional accounts; another user's is a 404."""
    return get_object_or_404(ExternalIdentity, pk=identity_id, user=user)


def own_staff(user, school) -> Staff | None:
    """The user's own staff record in the school (none for a parent or a student)."""
    ctx = context(user, school.pk)
    staff_id = ctx.staff_id if ctx else None
    return Staff.objects.filter(school=school, pk=staff_id).first() if staff_id else None


def person_for_credentials(user, school, model, person_id: int) -> Person:
    """A student, guardian or staff member to issue a login to, if the user may
    (``check_may_issue``), with their login and its roles."""
    people = model.objects.select_related("user", "school").prefetch_related("user__memberships")
    person = in_school(school, people, pk=person_id)
    check_may_issue(actor=user, people=[person])
    return person


# --- who may issue logins and one-time passwords (DESIGN §1, §4) -----------------------------


def may_issue(user, person: Person, class_ids: set[int]) -> bool:
    """Who may issue (DESIGN §4): staff logins — the administrator ("accounts.manage_users");
    a student's or guardian's — "accounts.issue_credentials" on the student's class (any child's
    class for a guardian): the administrator or that class's teacher. A person in no class is
    left to the administrator."""
    if isinstance(person, Staff):
        return user.has_perm("accounts.manage_users", person.school)
    if not class_ids:
        return user.has_perm("accounts.issue_credentials", person.school)
    return any(
        user.has_perm(
            "accounts.issue_credentials", SchoolClass(pk=class_id, school_id=person.school_id)
        )
        for class_id in class_ids
    )


def reset_blocker(actor, person: Person) -> str:
    """Why the actor may not reset this existing login, or "".

    A login may also serve other roles: a parent who is a teacher, a person in two schools.
    Resetting it would hand its other access to the actor, so only the administrator resets a
    login with staff roles, and nobody here resets one used in another school.
    """
    user = person.user
    if user is None:
        return ""
    if user.is_superuser or user.is_staff:
        return _("This login belongs to a system administrator.")
    memberships = list(user.memberships.all())
    if any(m.school_id != person.school_id for m in memberships):
        return _(
            "This login is also used in another school; its password is reset by the "
            "administrator there or by the person themself."
        )
    has_staff_role = any(m.role in STAFF_ROLES for m in memberships)
    if has_staff_role and not actor.has_perm("accounts.manage_users", person.school):
        return _("This login also belongs to a member of staff; ask the administrator.")
    return ""


def check_may_issue(
    *, actor, people: Sequence[Person], school_class: SchoolClass | None = None
) -> None:
    """PermissionDenied unless ``actor`` (a user) may issue credentials to every one of
    ``people``.

    With ``school_class`` (the class page), the actor needs the rule on the class, and each
    student must be in it and each guardian a guardian of one of its students on the class's day;
    otherwise every person is checked on their own current classes (``may_issue``).
    """
    if not people:
        return
    day = class_day(school_class) if school_class else school_today(people[0].school)
    found = classes_of(people, day)
    if school_class is not None and not actor.has_perm("accounts.issue_credentials", school_class):
        raise PermissionDenied
    for person in people:
        class_ids = found.get((kind_of(person), person.pk), set())
        if school_class is None:
            allowed = may_issue(actor, person, class_ids)
        else:
            allowed = not isinstance(person, Staff) and school_class.pk in class_ids
        if not allowed:
            raise PermissionDenied
