"""System checks of notifications (``zhurnal check --deploy``, docs/operations.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register

# Backends that deliver nothing: the console (development, the default without
# ZHURNAL_SMTP_HOST) and the dummy one.
UNDELIVERED = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


@register("email", deploy=True)
def check_mail_is_delivered(app_configs=None, **kwargs) -> list[Warning]:
    """In production (debug off) e-mails must reach the families: without ZHURNAL_SMTP_HOST they
    are only written to the server's console, and notifications, digests and progress reports
    are lost without an error anywhere (issue 5: notifications by e-mail)."""
    if settings.DEBUG or settings.EMAIL_BACKEND not in UNDELIVERED:
        return []
    return [
        Warning(
            f"E-mails are not sent: EMAIL_BACKEND is {settings.EMAIL_BACKEND} "
            "(ZHURNAL_SMTP_HOST is not set).",
            hint="Set ZHURNAL_SMTP_HOST (and ZHURNAL_SMTP_PORT, ZHURNAL_SMTP_USER, "
            "ZHURNAL_SMTP_PASSWORD, ZHURNAL_MAIL_FROM) to the school's mail server; "
            "see docs/operations.md, «Notifications and e-mail».",
            id="notifications.W001",
        )
    ]
