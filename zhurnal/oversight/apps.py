from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "zhurnal.oversight"
    label = "oversight"
    verbose_name = _("Control of the journals")

    def ready(self) -> None:
        # At start-up, once every app is loaded (AppConfig.ready): what this app registers.
        from zhurnal.core import daily
        from zhurnal.school import sections

        from .jobs import overdue_remarks, preliminary_reports
        from .notices import register_handlers
        from .sections import diary_tab, journal_section

        register_handlers()
        sections.register(sections.COURSE_JOURNAL, journal_section)
        sections.register(sections.STUDENT_DIARY, diary_tab)
        daily.register("oversight.preliminary_reports", preliminary_reports)
        daily.register("oversight.overdue_remarks", overdue_remarks)
