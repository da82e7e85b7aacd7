"""The second factor of staff (issue 17; seed 002 §3.4, §6.2.6: credentials kept safe): a TOTP
code generator app (django-otp's TOTP device) with one-time recovery codes (its static device).

* Optional for every member of staff; required of the administrator, the director and the
  deputies where their school's policy says so (``SignInPolicy``) — from their next sign-in.
* A sign-in (the login page or the region's provider) of a user with a device, or of one the
  policy requires to set one up, leaves the session **waiting** (``PENDING_KEY``): every page
  sends them to the code (or to the set-up) until it is given (``middleware``). The decision is
  made once at sign-in: pages pay no query for it.
* The API issues a token only with the code (``api.auth``).
* A wrong code counts as a failed login of the key ``otp:<login>`` (``lockout``): the same
  limits, 5 from an address per 15 minutes, 50 a day from everywhere, the administrators told.
* A lost device is reset by the administrator (``reset``): audited, with every session of the
  person ended and their API tokens revoked.
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from enum import Enum

import segno
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhurnal.audit.actor import Actor
from zhurnal.school.sections import PageAction, PageSection

from . import events, lockout
from .memberships import memberships_of
from .models import STAFF_ROLES, Role, SignInPolicy, User, new_session_stamp

PENDING_KEY = "zhurnal_second_factor"
VERIFY = "verify"
ENROL = "enrol"
ADMINISTRATION = frozenset({Role.ADMIN, Role.DIRECTOR, Role.DEPUTY})
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10


class Check(Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


def is_staff_user(user) -> bool:
    """A member of staff in any of their schools (no query of its own)."""
    return any(entry.roles & STAFF_ROLES for entry in memberships_of(user).values())


def required_for(user) -> bool:
    """A school of the user requires the second factor of its administration, and the user is
    the administrator, the director or a deputy there."""
    schools = [
        school_id
        for school_id, entry in memberships_of(user).items()
        if entry.roles & ADMINISTRATION
    ]
    return (
        bool(schools)
        and SignInPolicy.objects.filter(
            school_id__in=schools, second_factor_for_administration=True
        ).exists()
    )


def device_of(user) -> TOTPDevice | None:
    """The user's code generator in use."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def lock_key(user) -> str:
    return lockout.code_key("otp", user.get_username())


def on_sign_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: a user with a device must give its code, one the policy
    requires to have one must set it up, before any page (``middleware``)."""
    if request is None or not hasattr(request, "session"):
        return
    if has_second_factor(user):
        request.session[PENDING_KEY] = VERIFY
    elif required_for(user):
        request.session[PENDING_KEY] = ENROL
    else:
        request.session.pop(PENDING_KEY, None)


def pending(request) -> str | None:
    return request.session.get(PENDING_KEY)


def passed(request) -> None:
    """The session has its second factor: a new session key (against fixation)."""
    request.session.pop(PENDING_KEY, None)
    request.session.cycle_key()


def _normalized(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


@transaction.atomic
def _matches(user, code: str) -> bool:
    """The code of the user's generator or one of their recovery codes (used up). The devices
    are locked: a code is accepted once, even by two requests at the same moment."""
    code = _normalized(code)
    if not code:
        return False
    totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if totp is None:
        return False
    if code.isdigit() and totp.verify_token(code):
        return True
    static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    return static is not None and static.verify_token(code)


def check_code(request, user, code: str) -> Check:
    """The code given at sign-in (the page or the API), rate-limited as logins are."""
    key = lock_key(user)
    if lockout.is_locked(request, key):
        return Check.LOCKED
    if not _matches(user, code):
        return Check.LOCKED if lockout.record_failure(request, key) else Check.WRONG
    lockout.forget_failures(request, key)
    return Check.OK


# --- setting up, turning off, resetting ------------------------------------------------------


@transaction.atomic
def start_enrolment(user: User) -> TOTPDevice:
    """A new code generator waiting for its first code (an earlier unconfirmed one dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Журнал", confirmed=False)


def enrolling_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def secret_text(device: TOTPDevice) -> str:
    """The key as the apps take it typed: base32 in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (segno, no images)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)


def _new_recovery_codes(user: User) -> list[str]:
    static, _created = StaticDevice.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    static.token_set.all().delete()
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


@transaction.atomic
def confirm_enrolment(*, device: TOTPDevice, code: str, actor: Actor) -> list[str] | None:
    """The first code of the new generator: it replaces any earlier one and the recovery
    codes are issued (returned once). None if the code is wrong."""
    if not device.verify_token(_normalized(code)):
        return None
    TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(device.user)
    events.second_factor_set(device.user, actor=actor, on=True)
    return codes


@transaction.atomic
def new_recovery_codes(*, user: User, actor: Actor) -> list[str]:
    codes = _new_recovery_codes(user)
    events.recovery_codes_issued(user, actor=actor)
    return codes


def _drop_devices(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def turn_off(*, user: User, actor: Actor) -> None:
    """The user's own choice, where no policy requires the second factor of them."""
    _drop_devices(user)
    events.second_factor_set(user, actor=actor, on=False)


@transaction.atomic
def reset(*, staff, actor: Actor, reason: str) -> None:
    """A lost device: the administrator removes the staff member's generator and recovery
    codes; every session of theirs ends and their API tokens are revoked (the lost phone may
    hold them). They set a new one up at the next sign-in. Audited with the reason."""
    user = staff.user
    _drop_devices(user)
    user.session_stamp = new_session_stamp()
    user.save(update_fields=["session_stamp"])
    user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    events.second_factor_reset(staff, actor=actor, reason=reason)


def second_factor_section(user, staff, today) -> PageSection | None:
    """The staff card's row of the second factor, for the administrator, with the button that
    resets a lost device (``school.sections.STAFF_CARD``). One query."""
    if staff.user_id is None or not user.has_perm("accounts.manage_users", staff.school):
        return None
    device = TOTPDevice.objects.filter(user_id=staff.user_id, confirmed=True).first()
    actions = ()
    if device is not None:
        actions = (
            PageAction(
                _("Reset the second factor"),
                reverse("accounts:staff_second_factor", args=[staff.pk]),
            ),
        )
    return PageSection(
        actions=actions,
        template="accounts/_second_factor_row.html",
        data={"device": device},
    )
