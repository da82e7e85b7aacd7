"""The login lockout (issue 16, finding 7: wrong passwords for a known login locked that login
for everyone; behind a proxy, for the whole school).

Two limits, django-axes' handler with one addition (``AXES_HANDLER``):

* **a login from one address** (``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``):
  ``AXES_FAILURE_LIMIT`` (5) wrong passwords lock that login *from that address* for
  ``AXES_COOLOFF_TIME`` (15 minutes). Someone guessing a teacher's password locks only
  themselves out; the teacher logs in from any other address (a lock of the login itself
  would let anyone shut anyone out).
* **a login from every address** (``login_limit_reached``): ``ZHURNAL_LOCKOUT_LOGIN_FAILURES``
  (50) wrong passwords within ``ZHURNAL_LOCKOUT_LOGIN_HOURS`` (24) from any addresses refuse
  the login everywhere until the oldest fall out of the window or an administrator releases it
  (``zhurnal axes_reset_username``). Changing addresses (a botnet, a proxy) then buys no more
  than 50 guesses a day, against passwords that pass Django's validators — brute force stays
  out of reach — while shutting a person out needs ten times the failures of the first limit,
  from many addresses, and is told.

When a lock starts, the administrators of the user's schools are told (``on_lock``: the
notifications app registers the listener; this app sits below it), once a day per login.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_client_username
from axes.models import AccessFailureLog
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.utils import timezone

Listener = Callable[..., None]
_LISTENERS: list[Listener] = []


def on_lock(listener: Listener) -> None:
    """Call ``listener(username=…, address=…, whole_login=…, failures=…)`` when a lock
    starts: of the login from one address, or of the whole login."""
    _LISTENERS.append(listener)


def login_failures(username: str | None) -> int:
    """Wrong passwords for ``username`` from every address within the window."""
    if not username:
        return 0
    since = timezone.now() - timedelta(hours=settings.ZHURNAL_LOCKOUT_LOGIN_HOURS)
    return AccessFailureLog.objects.filter(username=username, attempt_time__gte=since).count()


def login_limit_reached(username: str | None) -> bool:
    return login_failures(username) >= settings.ZHURNAL_LOCKOUT_LOGIN_FAILURES


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler, with the limit of a login from every address and the
    administrators told when a lock starts."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or login_limit_reached(
            get_client_username(request, credentials)
        )

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is not None and not get_client_username(request, credentials):
            # No login named: the regional provider's callback for an account not linked yet
            # (issue 17; Django reports it as a failure). No password was guessed, and counting
            # it would lock the provider's sign-in from a school's shared address.
            return
        was_locked = getattr(request, "axes_locked_out", False)
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or was_locked:
            return  # a refused attempt during a lock: told when the lock started
        username = get_client_username(request, credentials)
        whole_login = not request.axes_locked_out and login_limit_reached(username)
        if whole_login:
            request.axes_locked_out = True  # answered as a lockout at once
        if request.axes_locked_out and (login := login_of(username)):
            for listener in _LISTENERS:
                listener(
                    username=login,
                    address=request.axes_ip_address,
                    whole_login=whole_login,
                    failures=login_failures(username),
                )

    def reset_attempts(
        self,
        *,
        ip_address: str | None = None,
        username: str | None = None,
        ip_or_username: bool = False,
    ) -> int:
        """As axes; an administrator's release without an address (``axes_reset_username``,
        ``axes_reset``) forgets the logins' failures from every address too. A successful
        login (a username and its address) does not: a guesser's failures keep counting."""
        count = super().reset_attempts(
            ip_address=ip_address, username=username, ip_or_username=ip_or_username
        )
        if not ip_address:
            logs = AccessFailureLog.objects.all()
            if username:
                logs = logs.filter(username=username)
            logs.delete()
        return count


# --- The same limits for codes (issue 17): a second factor's code and a linking code ---------
# A wrong code counts as a failed login of its own key (``otp:<login>``, ``link:<subject>``), so
# the two limits above apply to it and the administrators hear of a lock. Not the login itself:
# its right password would forget the failures of its code (``AXES_RESET_ON_SUCCESS``).


def code_key(kind: str, name: str) -> str:
    return f"{kind}:{name}"[:150]


def login_of(key: str | None) -> str | None:
    """The login a lock is about: the key itself, the login of a second factor's key; none
    for a linking code's (an account of the provider, not a login)."""
    if key and key.startswith("otp:"):
        return key[len("otp:") :]
    if key and key.startswith("link:"):
        return None
    return key


def is_locked(request, key: str) -> bool:
    """The key is locked from this request's address, or from every address."""
    return AxesProxyHandler.is_locked(request, {"username": key})


def record_failure(request, key: str) -> bool:
    """Count a wrong code for ``key``; True if the key is locked now."""
    user_login_failed.send(sender=__name__, credentials={"username": key}, request=request)
    return is_locked(request, key)


def forget_failures(request, key: str) -> None:
    """A right code forgets the failures of its key from this address (as a right password)."""
    reset(ip=get_client_ip_address(request), username=key)
