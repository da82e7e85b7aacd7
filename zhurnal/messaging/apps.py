from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "zhurnal.messaging"
    label = "messaging"
    verbose_name = _("Messages and announcements")

    def ready(self) -> None:
        # At start-up, once every app is loaded (AppConfig.ready): what this app registers.
        from .notices import register_handlers

        register_handlers()
