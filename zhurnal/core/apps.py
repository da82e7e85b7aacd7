from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting pieces with no tables: base templates, static assets, health check."""

    name = "zhurnal.core"
    label = "core"
