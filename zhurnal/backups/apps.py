from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    name = "zhurnal.backups"
    label = "backups"
    verbose_name = _("Backups")

    def ready(self) -> None:
        # At start-up, once every app is loaded (AppConfig.ready): what this app registers.
        from zhurnal.core import daily

        from . import checks  # noqa: F401 -- registers the deploy check of the destinations
        from .services import scheduled_backup

        daily.register("backups.schedule", scheduled_backup)
