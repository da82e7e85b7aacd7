from django.apps import AppConfig


class PermissionsConfig(AppConfig):
    name = "zhurnal.permissions"
    label = "permissions"

    def ready(self) -> None:
        # Registers the rule table with django-rules: every permission of the product.
        from . import table  # noqa: F401
