"""Who makes a change, and from where: what a service needs of the request for the audit trail
(DESIGN §3: "who, when, from where"), and nothing more — services never see the request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or behind our own reverse proxy
    (ZHURNAL_BEHIND_PROXY) the address the proxy appended last to X-Forwarded-For — the one
    hop a client cannot forge. Used by the audit trail and by the login lockout alike."""
    if request is None:
        return None
    if settings.ZHURNAL_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR") or None


@dataclass(frozen=True)
class Actor:
    """The user who acts (None for the system: a command, a scheduled task) and the address
    the request came from (None outside a request)."""

    user: Any = None  # accounts.User; typed loosely: the audit app sits below accounts
    address: str | None = None

    @classmethod
    def of(cls, request: HttpRequest) -> Actor:
        """The signed-in user of a page or API request, and the client's address."""
        user = request.user if getattr(request.user, "is_authenticated", False) else None
        return cls(user=user, address=client_address(request))

    @classmethod
    def system(cls) -> Actor:
        """Zhurnal itself: a management command, the demo, a scheduled task."""
        return cls()

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None
