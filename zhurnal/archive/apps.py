from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "zhurnal.archive"
    label = "archive"
    verbose_name = _("Printed journals and the archive")

    def ready(self) -> None:
        # At start-up, once every app is loaded (AppConfig.ready): the term copies are made by
        # the daily run of each school (seed 002 §4.2), which ``zhurnal.ops`` drives.
        from zhurnal.core import daily

        from .services import term_copies_job

        daily.register("archive.term_copies", term_copies_job)
