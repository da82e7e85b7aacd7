from django.apps import AppConfig


class SchoolConfig(AppConfig):
    name = "zhurnal.school"
    label = "school"
