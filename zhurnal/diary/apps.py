from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiaryConfig(AppConfig):
    name = "zhurnal.diary"
    label = "diary"
    verbose_name = _("Electronic diary")

    def ready(self) -> None:
        # At start-up, once every app is loaded (AppConfig.ready): what this app registers.
        from zhurnal.school import sections

        from .class_page import progress_section
        from .notices import register_handlers

        sections.register(sections.CLASS_PAGE, progress_section)
        register_handlers()
