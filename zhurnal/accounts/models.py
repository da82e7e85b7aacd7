"""Users, their roles per school, and API tokens."""

from __future__ import annotations

import functools
import hashlib
import secrets

from django.contrib.auth import get_backends
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
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

    def has_perm(self, perm, obj=None) -> bool:
        """Django's answer (an active superuser may do anything; else the first backend that
        grants it, none after one that raises ``PermissionDenied``), from the backends loaded
        once (``permission_backends``): Django imports and makes every backend anew for each
        question, and a page asks 30-70 of them (the menu, each lesson of a grid)."""
        if self.is_active and self.is_superuser:
            return True
        for backend in permission_backends():
            try:
                if backend.has_perm(self, perm, obj):
                    return True
            except PermissionDenied:
                return False
        return False

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p) or (
            self.username
        )


@functools.cache
def permission_backends() -> tuple:
    """The authentication backends (``settings.AUTHENTICATION_BACKENDS``) that answer
    permission questions, made once."""
    return tuple(backend for backend in get_backends() if hasattr(backend, "has_perm"))


@receiver(setting_changed)
def _backends_changed(*, setting: str, **kwargs) -> None:
    if setting == "AUTHENTICATION_BACKENDS":
        permission_backends.cache_clear()


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


class SignInPolicy(models.Model):
    """How the people of one school sign in (issue 17): through the region's identity provider
    (seed 002, Положение 3.3.2 and 4.6: parents and students reach the diary through the state
    portal), and the second factor required of the administration (seed 002 §3.4, §6.2.6:
    credentials kept safe). A school without a row has the defaults: local passwords only, the
    second factor optional."""

    school = models.OneToOneField(
        "school.School", on_delete=models.CASCADE, related_name="sign_in_policy"
    )
    external_sign_in = models.BooleanField(
        _("sign-in through the region's identity provider"), default=False
    )
    link_by_email = models.BooleanField(
        _("link a regional account by its verified e-mail"),
        default=False,
        help_text=_(
            "A regional account whose e-mail the provider has verified is linked to the "
            "Zhurnal login with the same e-mail without a linking code."
        ),
    )
    second_factor_for_administration = models.BooleanField(
        _("second factor required of the administrator, the director and the deputies"),
        default=False,
    )

    class Meta:
        verbose_name = _("sign-in policy")
        verbose_name_plural = _("sign-in policies")

    def __str__(self) -> str:
        return f"{self.school}"


class ExternalIdentity(models.Model):
    """An account at the region's identity provider (its issuer and subject) linked to a
    Zhurnal login: signing in there signs in this user. Never creates a user or a role."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    email = models.EmailField(blank=True)
    linked_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("regional account")
        verbose_name_plural = _("regional accounts")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="external_identity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.email or self.subject}"


class LinkingCode(models.Model):
    """A one-time code that links a regional account to a login, handed out with the
    credentials (the class teacher's or administrator's slips). Only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="linking_codes")
    school = models.ForeignKey("school.School", on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("linking code")
        verbose_name_plural = _("linking codes")
        indexes = [models.Index(fields=["user", "used_at"], name="linking_code_user")]

    def __str__(self) -> str:
        return f"{self.user} — {self.created_at:%Y-%m-%d}"
