from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class YearEndConfig(AppConfig):
    name = "zhurnal.yearend"
    label = "yearend"
    verbose_name = _("Year end")
