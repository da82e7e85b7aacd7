"""A locked login is told to the administrators of the user's schools (issue 16, finding 7;
the lockout itself: ``accounts.lockout``), once a day per login and school: an attack that
goes on locks again every cool-down, and an administrator needs to hear of it once."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zhurnal.accounts.models import Membership, Role

from .models import Kind, Notification
from .services import notify

TOLD_ONCE_IN = timedelta(days=1)


def tell_administrators(
    *, username: str | None, address: str | None, whole_login: bool, failures: int
) -> None:
    """Tell the administrators of every school where ``username`` has a role that the login
    is locked: from ``address``, or (``whole_login``) from every address. A login nobody
    holds is told to no one (guessing names is not news)."""
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is None:
        return
    schools = Membership.objects.filter(user=user).values("school")
    admins = Membership.objects.filter(
        school__in=schools, role=Role.ADMIN, user__is_active=True
    ).select_related("user", "school")
    by_school: dict = {}
    for membership in admins:
        by_school.setdefault(membership.school, []).append(membership.user)
    with translation.override(settings.LANGUAGE_CODE):
        if whole_login:
            title = _("The login %(login)s is locked from every address") % {"login": username}
            body = _(
                "%(failures)s wrong passwords for «%(login)s» within %(hours)s hours from "
                "several addresses: the login is refused from every address until the "
                "failures fall out of that time or an administrator releases it (zhurnal "
                "axes_reset_username %(login)s). If the person did not make them, someone is "
                "guessing the password."
            ) % {
                "failures": failures,
                "login": username,
                "hours": f"{settings.ZHURNAL_LOCKOUT_LOGIN_HOURS:g}",
            }
        else:
            title = _("The login %(login)s is locked from one address") % {"login": username}
            body = _(
                "%(limit)s wrong passwords in a row for «%(login)s» from the address "
                "%(address)s: the login is refused from that address for %(minutes)s minutes "
                "and works from every other. If the person did not make them, someone is "
                "guessing the password."
            ) % {
                "limit": settings.AXES_FAILURE_LIMIT,
                "login": username,
                "address": address or "?",
                "minutes": f"{settings.AXES_COOLOFF_TIME * 60:g}",
            }
    since = timezone.now() - TOLD_ONCE_IN
    for school, users in by_school.items():
        told = Notification.objects.filter(
            school=school, kind=Kind.LOCKOUT, title=title, created_at__gte=since
        )
        if not told.exists():
            notify(users=users, school=school, kind=Kind.LOCKOUT, title=title, body=body)
