"""A locked login is told to the administrators of the user's schools (issue 16, finding 7;
the lockout itself: ``accounts.lockout``), once a day per login and school: an attack that
goes on locks again every cool-down, and an administrator needs to hear of it once."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
        title, body = lock_message(
            username=username, address=address, whole_login=whole_login, failures=failures
        )
    since = timezone.now() - TOLD_ONCE_IN
    for school, users in by_school.items():
        told = Notification.objects.filter(
            school=school, kind=Kind.LOCKOUT, title=title, created_at__gte=since
        )
        if not told.exists():
            notify(users=users, school=school, kind=Kind.LOCKOUT, title=title, body=body)


def lock_message(
    *, username: str, address: str | None, whole_login: bool, failures: int
) -> tuple[str, str]:
    """The notification's title and text in the active language, every number agreeing with
    its noun («3 неверных пароля», «5 неверных паролей», «24 часа»)."""
    if whole_login:
        hours = settings.ZHURNAL_LOCKOUT_LOGIN_HOURS
        title = _("The login %(login)s is locked from every address") % {"login": username}
        body = _(
            "%(failures)s for «%(login)s» within %(hours)s from several addresses: the login "
            "is refused from every address until the failures fall out of that time or an "
            "administrator releases it (zhurnal axes_reset_username %(login)s). If the person "
            "did not make them, someone is guessing the password."
        ) % {
            "failures": _wrong_passwords(failures),
            "login": username,
            "hours": ngettext("%(count)s hour", "%(count)s hours", _plural_number(hours))
            % {"count": f"{hours:g}"},
        }
    else:
        minutes = settings.AXES_COOLOFF_TIME * 60
        title = _("The login %(login)s is locked from one address") % {"login": username}
        body = _(
            "%(failures)s in a row for «%(login)s» from the address %(address)s: the login is "
            "refused from that address for %(minutes)s and works from every other. If the "
            "person did not make them, someone is guessing the password."
        ) % {
            "failures": _wrong_passwords(settings.AXES_FAILURE_LIMIT),
            "login": username,
            "address": address or "?",
            "minutes": ngettext("%(count)s minute", "%(count)s minutes", _plural_number(minutes))
            % {"count": f"{minutes:g}"},
        }
    return title, body


def _wrong_passwords(count: int) -> str:
    return ngettext("%(count)d wrong password", "%(count)d wrong passwords", count) % {
        "count": count
    }


def _plural_number(value: float) -> int:
    """The number that chooses a noun's form: a fraction takes the form of 2 in both languages
    ("1.5 hours", «1,5 часа»)."""
    return int(value) if value == int(value) else 2
