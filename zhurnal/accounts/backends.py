"""Authentication: username and password, refused for students below the school's age."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from zhurnal.school.calendar import school_today
from zhurnal.school.models import Student

from .memberships import memberships_of
from .models import Role


def is_underage_student_only(user) -> bool:
    """True if the user's only roles are student roles, each in a school whose configured age
    (seed 002, 3.3.2: 14 by default) the student has not reached. Such a user cannot log in;
    their parents see everything."""
    roles = {role for entry in memberships_of(user).values() for role in entry.roles}
    if roles != {Role.STUDENT}:
        return False
    cards = Student.objects.filter(user=user).select_related("school")
    return all(
        card.age_on(school_today(card.school)) < card.school.student_min_age for card in cards
    )


class ZhurnalBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not is_underage_student_only(user)
