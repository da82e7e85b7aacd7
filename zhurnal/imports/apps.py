from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Class lists and staff from CSV/XLSX: template, preview, per-row errors, all-or-nothing."""

    name = "zhurnal.imports"
    label = "imports"
