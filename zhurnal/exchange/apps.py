from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "zhurnal.exchange"
    label = "exchange"
    verbose_name = _("Data exchange")

    def ready(self) -> None:
        # At start-up, once every app is loaded (AppConfig.ready): what this app registers.
        from zhurnal.core import daily

        from .services import scheduled_upload

        daily.register("exchange.regional_upload", scheduled_upload)
