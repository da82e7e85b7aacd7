"""Users, their roles per school, and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


def new_session_stamp() -> str:
    return secrets.token_hex(16)


class User(AbstractUser):
    """A person who logs in. What they may do comes from their Memberships (DESIGN §1)."""

    middle_name = models.CharField(_("patronymic"), max_length=100, blank=True)
    must_change_password = models.BooleanField(
        _("must change password at next login"), default=False
    )
    # Part of the session hash: rotating it logs the user out of every session ("logout
    # everywhere") without touching the password.
    session_stamp = models.CharField(max_length=32, default=new_session_stamp, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_session_auth_hash(self) -> str:
        return salted_hmac(
            "zhurnal.accounts.User.session",
            f"{self.password}:{self.session_stamp}",
            algorithm="sha256",
        ).hexdigest()

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p) or (
            self.username
        )


class Role(models.TextChoices):
    ADMIN = "admin", _("administrator")
    DIRECTOR = "director", _("director")
    DEPUTY = "deputy", _("deputy director")
    TEACHER = "teacher", _("teacher")
    SECRETARY = "secretary", _("secretary")
    HR = "hr", _("HR specialist")
    PARENT = "parent", _("parent")
    STUDENT = "student", _("student")


STAFF_ROLES = frozenset(
    {Role.ADMIN, Role.DIRECTOR, Role.DEPUTY, Role.TEACHER, Role.SECRETARY, Role.HR}
)


class Membership(models.Model):
    """A role a user holds in a school. The class teacher is derived from SchoolClass."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(
        "school.School", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "school", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.school})"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; revoked tokens stay for the record."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        raw = secrets.token_urlsafe(32)
        return cls.objects.create(user=user, key_hash=hash_token(raw), name=name), raw

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])

    def __str__(self) -> str:
        return f"{self.user} — {self.name or self.pk}"
