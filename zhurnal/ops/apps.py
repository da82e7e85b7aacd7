from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "zhurnal.ops"
    label = "ops"
