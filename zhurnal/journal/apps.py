from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "zhurnal.journal"
    label = "journal"
    verbose_name = _("Class journal")

    def ready(self) -> None:
        # At start-up, once every app is loaded (AppConfig.ready): what this app registers.
        from . import freshness
        from .notices import register_handlers

        register_handlers()
        freshness.connect()
