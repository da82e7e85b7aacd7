from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting pieces with no tables: base templates, static assets, health check."""

    name = "zhurnal.core"
    label = "core"

    def ready(self) -> None:
        from django.conf import settings

        from . import lookups  # noqa: F401  (registers ``field__any_of``)

        if settings.ZHURNAL_CITUS:
            from . import tenancy  # imported here: it reads every app's models

            tenancy.install()
