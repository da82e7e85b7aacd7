from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "zhurnal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Imported once the apps are loaded (models): the lockout's listener is registered.
        from zhurnal.accounts.lockout import on_lock

        from . import checks  # noqa: F401 -- registers the deploy check of the e-mail backend
        from .lockout import tell_administrators  # models, once the apps are loaded

        on_lock(tell_administrators)
