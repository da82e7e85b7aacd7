"""Writing the audit trail. Call inside the transaction of the change it records."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from .models import AuditAction, AuditEvent


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


def record(
    *,
    action: AuditAction,
    actor,
    obj: models.Model | None = None,
    school=None,
    student=None,
    course=None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> AuditEvent:
    if school is None and obj is not None:
        school = getattr(obj, "school", None)
    return AuditEvent.objects.create(
        school=school,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        student=student,
        course=course,
        before=before,
        after=after,
        reason=reason,
        address=client_address(request),
    )
