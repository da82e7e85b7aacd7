from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only audit trail shared by every domain (DESIGN §2, §5)."""

    name = "zhurnal.audit"
    label = "audit"
